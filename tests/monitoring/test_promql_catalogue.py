"""The PromQL series catalogue (metric_catalogue/promql.yaml) against the code that exposes the series, and the
query reader MLOPS_MON_8 uses."""

from __future__ import annotations

import json

from prometheus_client import CollectorRegistry, Counter, Histogram

from metric_catalogue import promql
from policies.checks.monitoring_promql_catalogued import promql_queries

TYPES = {"counter": "counter", "histogram": "histogram", "gauge": "gauge"}


def _families(registry: CollectorRegistry) -> dict[str, tuple[str, set[str]]]:
    """name -> (type, labels) of every metric family a real prometheus_client registry exposes."""
    out = {}
    for family in registry.collect():
        labels = {k for s in family.samples for k in s.labels if k != "le"}
        out[family.name] = (family.type, labels)
    return out


def _catalogued(source: str) -> dict[str, tuple[str, set[str]]]:
    return {
        name: (entry["type"], set(entry["labels"]))
        for name, entry in promql.data()["metrics"].items()
        if entry["source"] == source
    }


def test_the_scorer_entries_are_what_the_scorer_exposes():
    from scorer.metrics import ScorerMetrics

    metrics = ScorerMetrics()
    metrics.predictions.labels("m").inc()
    metrics.errors.labels("m", "model").inc()
    metrics.latency.labels("m").observe(0.1)
    assert _families(metrics.registry) == _catalogued("scorer")


def test_the_model_contract_entries_are_the_documented_contract_built_with_prometheus_client():
    """docs/gke-serving.md, "Metric contract": a Counter modelops_requests{code}, a Histogram
    modelops_request_duration_seconds."""
    registry = CollectorRegistry()
    Counter("modelops_requests", "Prediction requests answered.", ["code"], registry=registry).labels("200").inc()
    Histogram("modelops_request_duration_seconds", "Request handling time.", registry=registry).observe(0.02)
    assert _families(registry) == _catalogued("model-contract")


def test_exposition_names_follow_the_client_suffixes():
    from prometheus_client import generate_latest

    registry = CollectorRegistry()
    Counter("modelops_requests", "x", ["code"], registry=registry).labels("200").inc()
    Histogram("modelops_request_duration_seconds", "x", registry=registry).observe(0.02)
    written = {
        line.split("{")[0].split(" ")[0]
        for line in generate_latest(registry).decode().splitlines()
        if line and not line.startswith("#")
    }
    # prometheus_client also writes `<name>_created` timestamps (OpenMetrics); no query reads them
    written = {n for n in written if not n.endswith("_created")}
    assert written == {n for n, s in promql.exposed().items() if s.metric in _catalogued("model-contract")}


def test_the_reader_finds_series_matchers_and_groupings_but_not_functions():
    query = (
        'histogram_quantile(0.99, sum by (le) (rate(modelops_request_duration_seconds_bucket{namespace="a",'
        'job="b"}[5m]))) > 0.2 or vector(0) and on (job) up'
    )
    found, grouped = promql.selectors(query)
    assert [(s.name, s.labels) for s in found] == [
        ("modelops_request_duration_seconds_bucket", ("namespace", "job")),
        ("up", ()),
    ]
    assert grouped == ["le", "job"]
    assert promql.problems(query) == [
        "up is not a series any catalogued workload exposes (metric_catalogue/promql.yaml); the query returns nothing"
    ]
    # matcher values never read as names, whatever they hold
    assert promql.problems('sum(rate(modelops_requests_total{code=~"rate|sum", job!="x"}[1h]))') == []


def test_every_promql_query_of_the_fixture_org_is_read_and_passes(org_stacks):
    checked = 0
    for stack in org_stacks.values():
        for tf_type in ("google_monitoring_alert_policy", "google_monitoring_dashboard"):
            for conf in (stack["resource"].get(tf_type) or {}).values():
                for _, query in promql_queries(conf):
                    assert promql.problems(query) == [], query
                    checked += 1
    assert checked >= 8  # the gke model's four alerts and charts, the scorer's alert


def test_dashboard_queries_are_read_from_the_json():
    conf = {
        "dashboard_json": json.dumps(
            {
                "mosaicLayout": {
                    "tiles": [{"widget": {"xyChart": {"dataSets": [{"timeSeriesQuery": {"prometheusQuery": "q1"}}]}}}]
                }
            }
        )
    }
    assert list(promql_queries(conf)) == [("chart", "q1")]
