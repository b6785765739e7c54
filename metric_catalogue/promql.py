"""The Prometheus series catalogue (metric_catalogue/promql.yaml) and a reader of the selectors of a PromQL query.

Only what the gate needs: every ``name{matchers}`` and bare series name of a query, with the labels its matchers
and its ``by``/``without`` clauses name. PromQL grammar:
https://prometheus.io/docs/prometheus/latest/querying/basics/ (instant vector selectors, label matchers
``=``, ``!=``, ``=~``, ``!~``) and .../operators/#aggregation-operators (``by``/``without``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CATALOGUE_FILE = Path(__file__).resolve().parent / "promql.yaml"
# Exposition suffixes per type (https://prometheus.io/docs/concepts/metric_types/; OpenMetrics counters end in _total)
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
EXTRA_LABELS = {"_bucket": ("le",)}
# PromQL functions and aggregation operators the platform's queries use, and keywords: never series names.
NOT_SERIES = frozenset(
    [
        "sum",
        "min",
        "max",
        "avg",
        "count",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
        "group",
        "rate",
        "irate",
        "increase",
        "delta",
        "idelta",
        "deriv",
        "histogram_quantile",
        "vector",
        "scalar",
        "abs",
        "absent",
        "absent_over_time",
        "avg_over_time",
        "max_over_time",
        "min_over_time",
        "sum_over_time",
        "count_over_time",
        "clamp_min",
        "clamp_max",
        "ceil",
        "floor",
        "round",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
        "offset",
        "time",
        "label_replace",
        "sort",
        "sort_desc",
    ]
)
TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|\[[^\]]*\]|(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)\s*(?P<brace>\{[^}]*\})?'
)
GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*,?')


@dataclass(frozen=True)
class Selector:
    name: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Series:
    """An exposed series name and the labels it carries."""

    name: str
    metric: str
    labels: frozenset[str]


@cache
def data() -> dict:
    return yaml.safe_load(CATALOGUE_FILE.read_text())


@cache
def exposed() -> dict[str, Series]:
    """Every exposition name the catalogued metrics produce."""
    out: dict[str, Series] = {}
    target = frozenset(data()["target_labels"])
    for metric, entry in data()["metrics"].items():
        for suffix in SUFFIXES[entry["type"]]:
            labels = target | frozenset(entry["labels"]) | frozenset(EXTRA_LABELS.get(suffix, ()))
            out[metric + suffix] = Series(metric + suffix, metric, labels)
    return out


def selectors(query: str) -> tuple[list[Selector], list[str]]:
    """(series selectors, labels named in ``by``/``without`` groupings) of a PromQL query."""
    found: list[Selector] = []
    grouped = [g.strip() for m in GROUPING.finditer(query) for g in m.group(1).split(",") if g.strip()]
    without_groupings = GROUPING.sub(" ", query)
    for m in TOKEN.finditer(without_groupings):
        name, brace = m.group("name"), m.group("brace")
        if name is None or name in NOT_SERIES:
            continue
        if brace is None and without_groupings[m.end() :].lstrip().startswith("("):
            continue  # a function call
        labels = tuple(label for label, _ in MATCHER.findall(brace[1:-1])) if brace else ()
        found.append(Selector(name, labels))
    return found, grouped


def problems(query: str) -> list[str]:
    """What in one PromQL query names a series or a label no catalogued workload writes."""
    out: list[str] = []
    series = exposed()
    found, grouped = selectors(query)
    for sel in found:
        known = series.get(sel.name)
        if known is None:
            out.append(
                f"{sel.name} is not a series any catalogued workload exposes (metric_catalogue/promql.yaml); "
                "the query returns nothing"
            )
            continue
        for label in sel.labels:
            if label not in known.labels:
                out.append(f"{sel.name} carries no label {label!r} (it has {', '.join(sorted(known.labels))})")
    labels_in_query = frozenset().union(*(series[s.name].labels for s in found if s.name in series))
    for label in grouped:
        if labels_in_query and label not in labels_in_query:
            out.append(f"grouping by {label!r}, a label none of the query's series carries")
    return out
