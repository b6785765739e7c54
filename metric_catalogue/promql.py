"""The Prometheus series catalogue (metric_catalogue/promql.yaml) and a reader of the selectors of a PromQL query.

Only what the gate needs: every ``name{matchers}``, ``{__name__="name", matchers}`` and bare series name of a
query, with its matchers (label, operator, value; all three string quotings) and the labels its
``by``/``without`` clauses name; durations after ``offset`` and ``@`` are skipped. PromQL grammar:
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
# String literals: "..." and '...' (backslash escapes) and `...` (raw, no escapes)
# (https://prometheus.io/docs/prometheus/latest/querying/basics/#string-literals).
STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`'
# A `{...}` matcher list, strings inside it read whole (a `}` or `,` in a value does not end it).
BRACE = r"\{(?:[^{}\"'`]|" + STRING + r")*\}"
# Durations and timestamps after the `offset` and `@` modifiers (`offset 1h`, `offset -5m`, `@ 1609746000`,
# `@ start()`; .../querying/basics/#offset-modifier and #modifier): never series names.
MODIFIER = r"\boffset\s+-?[0-9][0-9a-zA-Z.]*|@\s*(?:-?[0-9][0-9.e+-]*|start\s*\(\s*\)|end\s*\(\s*\))"
TOKEN = re.compile(
    STRING
    + r"|\[[^\]]*\]|"
    + MODIFIER
    + r"|(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)\s*(?P<brace>"
    + BRACE
    + r")?|(?P<bare>"
    + BRACE
    + r")"
)
GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
MATCHER = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(" + STRING + r")\s*,?")
NAME_LABEL = "__name__"


def unquote(literal: str) -> str:
    """The value of a PromQL string literal (Go escapes in "" and '', none in ``)."""
    if literal.startswith("`"):
        return literal[1:-1]
    return literal[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str  # =, !=, =~, !~
    value: str


@dataclass(frozen=True)
class Selector:
    """One series selector: its name (from before the braces, or ``{__name__="x"}``; "" when a regex or
    negative ``__name__`` matcher leaves it open) and its other matchers."""

    name: str
    matchers: tuple[Matcher, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(m.label for m in self.matchers)

    def equals(self, label: str) -> str | None:
        """The value an ``=`` matcher pins the label to, if any."""
        return next((m.value for m in self.matchers if m.label == label and m.op == "="), None)


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


def _matchers(brace: str) -> list[Matcher]:
    return [Matcher(label, op, unquote(value)) for label, op, value in MATCHER.findall(brace[1:-1])]


def selectors(query: str) -> tuple[list[Selector], list[str]]:
    """(series selectors, labels named in ``by``/``without`` groupings) of a PromQL query."""
    found: list[Selector] = []
    grouped = [g.strip() for m in GROUPING.finditer(query) for g in m.group(1).split(",") if g.strip()]
    without_groupings = GROUPING.sub(" ", query)
    for m in TOKEN.finditer(without_groupings):
        name, brace, bare = m.group("name"), m.group("brace"), m.group("bare")
        if bare is not None:  # {__name__="x", ...}
            matchers = _matchers(bare)
            named = [x for x in matchers if x.label == NAME_LABEL]
            rest = tuple(x for x in matchers if x.label != NAME_LABEL)
            pinned = named[0].value if len(named) == 1 and named[0].op == "=" else ""
            found.append(Selector(pinned, rest))
            continue
        if name is None or name in NOT_SERIES:
            continue
        if brace is None and without_groupings[m.end() :].lstrip().startswith("("):
            continue  # a function call
        found.append(Selector(name, tuple(_matchers(brace)) if brace else ()))
    return found, grouped


def value_problems(sel: Selector, known: Series) -> list[str]:
    """Matchers on a closed label (promql.yaml `values`) that select none of the values the exporter writes."""
    out = []
    closed = data()["metrics"][known.metric].get("values") or {}
    for m in sel.matchers:
        allowed = closed.get(m.label)
        if allowed is None:
            continue
        if m.op == "=" and m.value not in allowed:
            out.append(f"{sel.name}: {m.label}={m.value!r} is never written (it is one of {', '.join(allowed)})")
        elif m.op == "=~":
            try:
                pattern = re.compile(m.value)
            except re.error:
                out.append(f"{sel.name}: {m.label}=~{m.value!r} is not a valid regular expression")
                continue
            if not any(pattern.fullmatch(v) for v in allowed):  # PromQL regexes are fully anchored
                out.append(f"{sel.name}: {m.label}=~{m.value!r} matches none of {', '.join(allowed)}")
    return out


def problems(query: str) -> list[str]:
    """What in one PromQL query names a series or a label no catalogued workload writes."""
    out: list[str] = []
    series = exposed()
    found, grouped = selectors(query)
    for sel in found:
        if not sel.name:
            out.append(
                "a selector without a fixed series name ({__name__ by regex or negation}) cannot be checked; "
                "name the series"
            )
            continue
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
        out += value_problems(sel, known)
    labels_in_query = frozenset().union(*(series[s.name].labels for s in found if s.name in series))
    for label in grouped:
        if labels_in_query and label not in labels_in_query:
            out.append(f"grouping by {label!r}, a label none of the query's series carries")
    return out
