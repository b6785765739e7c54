"""Units as Cloud Monitoring writes them, so a threshold can be converted into and compared with a metric's unit.

The grammar and unit list are those of `MetricDescriptor.unit` (google/api/metric.proto, lines 148-250 of
the copy in googleapis-common-protos 1.76.0; the same text is the `unit` field of
https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.metricDescriptors):

    Expression = Component { "." Component } { "/" Component } ;
    Component  = ( [ PREFIX ] UNIT | "%" ) [ Annotation ] | Annotation | "1" ;

with UNIT one of bit, By, s, min, h, d, 1; an annotation alone means 1 (`{request}/s == 1/s`); `%` is
1/100 and `10^2.%` a ratio shown as a percentage (so it equals 1). A unit is reduced to a scale
factor and base dimensions: `ms` is 0.001 s, `By/s` is bytes per second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

# Scale factors are exact fractions, so 150 ms converts to exactly the float nearest 0.15 s.
BASE_UNITS: dict[str, tuple[Fraction, str | None]] = {
    "bit": (Fraction(1), "bit"),
    "By": (Fraction(1), "By"),
    "s": (Fraction(1), "s"),
    "min": (Fraction(60), "s"),
    "h": (Fraction(3600), "s"),
    "d": (Fraction(86400), "s"),
    "1": (Fraction(1), None),
}
PREFIXES: dict[str, Fraction] = {
    "Ki": Fraction(2) ** 10,
    "Mi": Fraction(2) ** 20,
    "Gi": Fraction(2) ** 30,
    "Ti": Fraction(2) ** 40,
    "Pi": Fraction(2) ** 50,
    **{
        p: Fraction(10) ** e
        for p, e in (
            ("k", 3),
            ("M", 6),
            ("G", 9),
            ("T", 12),
            ("P", 15),
            ("E", 18),
            ("Z", 21),
            ("Y", 24),
            ("m", -3),
            ("u", -6),
            ("n", -9),
            ("p", -12),
            ("f", -15),
            ("a", -18),
            ("z", -21),
            ("y", -24),
        )
    },
}
_ANNOTATION = re.compile(r"\{[^{}\s]*\}")
_POWER = re.compile(r"^(\d+)\^(-?\d+)$")
DIMENSIONLESS = "1"


class UnitError(ValueError):
    """A unit outside the grammar, or a conversion between different dimensions."""


@dataclass(frozen=True)
class Unit:
    text: str
    factor: Fraction
    dims: tuple[tuple[str, int], ...]  # sorted (base, exponent), exponent != 0

    @property
    def dimensionless(self) -> bool:
        return not self.dims

    def same_as(self, other: Unit) -> bool:
        """Same dimensions and scale: a value means the same amount in both (`{request}/s` = `1/s`)."""
        return self.dims == other.dims and self.factor == other.factor


def _component(text: str) -> tuple[Fraction, str | None]:
    body = _ANNOTATION.sub("", text)
    if body == "" and text:  # an annotation alone is 1
        return Fraction(1), None
    if body == "%":
        return Fraction(1, 100), None
    power = _POWER.match(body)
    if power:
        return Fraction(int(power.group(1))) ** int(power.group(2)), None
    if body.isdigit():
        return Fraction(int(body)), None
    if body in BASE_UNITS:
        return BASE_UNITS[body]
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if body.startswith(prefix) and body[len(prefix) :] in BASE_UNITS and body[len(prefix) :] != "1":
            factor, dim = BASE_UNITS[body[len(prefix) :]]
            return PREFIXES[prefix] * factor, dim
    raise UnitError(
        f"{text!r} is not a unit of MetricDescriptor.unit (UNIT with optional PREFIX, %, 1 or {{annotation}})"
    )


@lru_cache(maxsize=256)
def parse(text: str) -> Unit:
    if not isinstance(text, str) or not text.strip():
        raise UnitError("an empty unit; write 1 for a dimensionless number")
    head, *divisors = text.strip().split("/")
    factor, dims = Fraction(1), dict[str, int]()
    for sign, part in [(1, p) for p in head.split(".")] + [(-1, p) for p in divisors]:
        if part == "":
            raise UnitError(f"{text!r}: empty component")
        f, dim = _component(part)
        factor = factor * f if sign > 0 else factor / f
        if dim:
            dims[dim] = dims.get(dim, 0) + sign
    return Unit(text.strip(), factor, tuple(sorted((d, e) for d, e in dims.items() if e)))


def same(a: str, b: str) -> bool:
    return parse(a).same_as(parse(b))


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit`` (150 ms -> 0.15 s); different dimensions raise."""
    src, dst = parse(from_unit), parse(to_unit)
    if src.dims != dst.dims:
        raise UnitError(f"cannot convert {from_unit} into {to_unit}: different dimensions")
    return float(Fraction(value) * src.factor / dst.factor)


def per_second(unit: str) -> str:
    """The unit of a rate of ``unit`` (what ALIGN_RATE produces)."""
    return _divide(unit, "s")


def _divide(unit: str, by: str) -> str:
    """`unit` with one more divisor; the grammar puts every divisor after the last `/`."""
    return f"{unit}/{by}"


def ratio(numerator: str, denominator: str) -> str:
    """The unit of numerator / denominator: 1 when both are the same unit, else `n/d`."""
    if same(numerator, denominator):
        return DIMENSIONLESS
    if parse(denominator).dimensionless and parse(denominator).factor == 1:
        return numerator
    if "/" in denominator:
        raise UnitError(f"cannot form {numerator} per {denominator} in the unit grammar")
    return "/".join([numerator, *denominator.split(".")]) if "." in denominator else _divide(numerator, denominator)
