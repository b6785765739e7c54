"""The unit, kind and value type a query's points have after aggregation: what a threshold is compared with.

A metric's unit comes from the catalogue; each aggregation step changes it as aggregation.py says
(ALIGN_RATE: U -> U/s); a ratio condition (`denominator_filter`) compares numerator / denominator, so
two counts give a dimensionless ratio. An SLO selector (`select_slo_burn_rate(...)`) yields a
dimensionless number (a burn rate, a budget fraction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from metric_catalogue import units
from metric_catalogue.aggregation import Series, evaluate
from metric_catalogue.catalogue import Catalogue, catalogue
from metric_catalogue.query_filter import parse


class NotComparable(ValueError):
    """The query's unit cannot be known (unknown metric, invalid aggregation): the reason is the message."""


def series_of(filter_text: str, cat: Catalogue | None = None) -> Series:
    """The points a filter selects, before aggregation."""
    cat = cat or catalogue()
    parsed = parse(filter_text)
    if parsed.slo_selector:
        return Series("GAUGE", "DOUBLE", units.DIMENSIONLESS)
    if not parsed.metric_type or not parsed.metric_type_literal:
        raise NotComparable("the filter names no metric.type")
    metric = cat.metric(parsed.metric_type)
    if metric is None:
        raise NotComparable(f"{parsed.metric_type} is not in the metric catalogue")
    return Series(metric.kind, metric.value_type, metric.unit)


def aggregated(
    filter_text: str, aggregations: Iterable[Mapping[str, Any]], *, context: str, cat: Catalogue | None = None
) -> Series:
    series, problems = evaluate(series_of(filter_text, cat), aggregations, context=context)
    if problems:
        raise NotComparable("; ".join(problems))
    return series


def compared_unit(
    filter_text: str,
    aggregations: Iterable[Mapping[str, Any]] = (),
    *,
    denominator_filter: str | None = None,
    denominator_aggregations: Iterable[Mapping[str, Any]] | None = None,
    context: str = "alert",
    cat: Catalogue | None = None,
) -> str:
    """The unit of the values a threshold on this query is compared with."""
    aggregations = list(aggregations)
    unit = aggregated(filter_text, aggregations, context=context, cat=cat).unit
    if denominator_filter:
        denominator = aggregated(
            denominator_filter, list(denominator_aggregations or aggregations), context=context, cat=cat
        ).unit
        unit = units.ratio(unit, denominator)
    return unit
