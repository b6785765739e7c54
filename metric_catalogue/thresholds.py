"""How a threshold states its unit in the synthesized JSON, so the gate can check it against the catalogue.

Terraform has no field for a threshold's unit: `threshold_value` (alert conditions), `range.min/max`
(SLO distribution cuts) and chart `thresholds[].value` are bare numbers, compared with the query's
values in whatever unit the metric and its aggregation produce. The platform therefore writes the
threshold with its unit into a text field that survives into cdk.tf.json and into Cloud Monitoring,
where the responder reads it too:

    <condition display name, SLO display name or chart threshold label> [threshold: 3600 s]

The value is the number Terraform compares, the unit a `MetricDescriptor.unit` expression. Thresholds
are built from a config quantity in its own unit (`Quantity(latency_p99_ms, "ms")`) converted into the
unit the query produces (`workflows.googleapis.com/execution_times` is in s, so 3600000 ms -> 3600 s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from metric_catalogue import units

DECLARATION = re.compile(r"\[threshold: (?P<value>[^\s\]]+) (?P<unit>[^\s\]]+)\]")


@dataclass(frozen=True)
class Quantity:
    """A number from the team YAML with the unit its field is written in (e.g. `latency_p99_ms` -> ms)."""

    value: float
    unit: str

    def to(self, unit: str) -> float | int:
        """The value in ``unit``; integral results as int so the JSON reads 3600, not 3600.0."""
        value = units.convert(self.value, self.unit, unit)
        return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def number(value: float) -> str:
    """Shortest text that reads back as exactly ``value``."""
    text = f"{value:g}"
    return text if float(text) == value else repr(float(value))


def declare(text: str, value: float, unit: str) -> str:
    """``text`` followed by the declaration of ``value`` in ``unit`` (the unit is validated)."""
    units.parse(unit)
    return f"{text} [threshold: {number(value)} {unit}]"


@dataclass(frozen=True)
class Declared:
    value: float | None  # None when the value text is not a number
    unit: str
    text: str


def declared(text: str | None) -> list[Declared]:
    """Every declaration in ``text``."""
    out = []
    for m in DECLARATION.finditer(text or ""):
        try:
            value = float(m.group("value"))
        except ValueError:
            value = None
        out.append(Declared(value, m.group("unit"), m.group(0)))
    return out
