"""What a Cloud Monitoring filter selects: the metric type, the monitored-resource type and label clauses.

Filter syntax: https://cloud.google.com/monitoring/api/v3/filters (selectors `metric.type`,
`resource.type`, `metric.label.KEY` / `metric.labels.KEY` and the same for `resource`, a key optionally
quoted; comparisons `=`, `!=`, `:`, `>`, `<`...; value functions such as `one_of(...)`, `starts_with(...)`
and `monitoring.regex.full_match(...)`). SLO alerts use a time-series selector instead,
`select_slo_burn_rate("<slo name>", "<lookback>")`: "The selectors have names that start with
select_slo_, and they take one or two arguments" (SLO name, lookback period), per
https://cloud.google.com/stackdriver/docs/solutions/slo-monitoring/api/timeseries-selectors.

This reads what a query *refers to*; it does not evaluate filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TYPE = re.compile(r'\b(metric|resource)\.type\s*(=|!=|:)\s*("([^"]*)"|[A-Za-z_.]+\([^)]*\))')
_LABEL = re.compile(
    r'\b(?P<scope>metric|resource)\.labels?\.(?:"(?P<quoted>[^"]+)"|(?P<key>[A-Za-z_][A-Za-z0-9_]*))'
    r'\s*(?P<op>!=|>=|<=|=|>|<|:)\s*(?P<rhs>"(?:[^"\\]|\\.)*"|[A-Za-z_.]+\((?:[^()"]|"(?:[^"\\]|\\.)*")*\))'
)
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_REFERENCE = re.compile(
    r'^(?P<scope>metric|resource)\.labels?\.(?:"(?P<quoted>[^"]+)"|(?P<key>[A-Za-z_][A-Za-z0-9_]*))$'
)
_TEMPLATE = re.compile(r"\$\{(?P<scope>metric|resource)\.labels?\.(?P<key>[A-Za-z_][A-Za-z0-9_]*)\}")
_SLO_SELECTOR = re.compile(
    r'^\s*(?P<fn>select_slo_[a-z_]+)\(\s*"(?P<slo>[^"]*)"(?:\s*,\s*"(?P<window>[^"]*)")?\s*\)\s*$'
)


@dataclass(frozen=True)
class LabelClause:
    scope: str  # "metric" | "resource"
    key: str
    op: str
    rhs: str  # as written
    literals: tuple[str, ...]  # compared string values (a quoted value or one_of's arguments)
    function: str | None  # one_of, starts_with, monitoring.regex.full_match, ...


@dataclass(frozen=True)
class Filter:
    text: str
    metric_type: str | None
    metric_type_literal: bool  # `metric.type = "..."`, not a function or a negation
    resource_type: str | None
    labels: tuple[LabelClause, ...]
    slo_selector: str | None  # select_slo_* function name when the filter is an SLO selector
    slo_window: str | None = None


def _type(text: str, which: str) -> tuple[str | None, bool]:
    for m in _TYPE.finditer(text):
        if m.group(1) == which:
            literal = m.group(2) == "=" and m.group(4) is not None
            return (m.group(4) if m.group(4) is not None else m.group(3)), literal
    return None, False


def parse(text: str) -> Filter:
    slo = _SLO_SELECTOR.match(text or "")
    if slo:
        return Filter(text, None, False, None, (), slo.group("fn"), slo.group("window"))
    metric, literal = _type(text or "", "metric")
    resource, _ = _type(text or "", "resource")
    clauses = []
    for m in _LABEL.finditer(text or ""):
        rhs = m.group("rhs")
        function = rhs.split("(", 1)[0] if "(" in rhs and not rhs.startswith('"') else None
        literals: tuple[str, ...]
        string = _STRING.fullmatch(rhs)
        if function is None:
            literals = (string.group(1),) if string else ()
        elif function == "one_of":
            literals = tuple(_STRING.findall(rhs))
        else:
            literals = ()
        clauses.append(
            LabelClause(m.group("scope"), m.group("quoted") or m.group("key"), m.group("op"), rhs, literals, function)
        )
    return Filter(text, metric, literal, resource, tuple(clauses), None)


def reference(field: str) -> tuple[str, str] | None:
    """A group_by field `resource.label.endpoint_id` -> ("resource", "endpoint_id"); None for other fields."""
    m = _REFERENCE.match(field.strip())
    return (m.group("scope"), m.group("quoted") or m.group("key")) if m else None


def template_references(text: str) -> list[tuple[str, str]]:
    """Labels a legend template shows: `${metric.labels.feature}` -> [("metric", "feature")]."""
    return [(m.group("scope"), m.group("key")) for m in _TEMPLATE.finditer(text or "")]
