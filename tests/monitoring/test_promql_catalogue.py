"""The PromQL series catalogue (metric_catalogue/promql.yaml) against the code that exposes the series, and the
query reader MLOPS_MON_8 uses."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram

from metric_catalogue import promql
from policies.checks.monitoring_promql_catalogued import promql_queries, query_problems
from policies.checks.monitoring_promql_targets import PromqlTargets, target_problems
from policies.engine.stackset import Scan, load_stacks

ROOT = Path(__file__).resolve().parents[2]

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
                assert list(query_problems(conf)) == []
                checked += len(list(promql_queries(conf)))
    assert checked >= 8  # the gke model's four alerts and charts, the scorer's alert


# --- review 13b finding 6: quoting, modifiers, __name__, tokens, closed values ---------------------------------


@pytest.mark.parametrize("quote", ['"', "'", "`"])
def test_every_string_quoting_is_read_as_a_matcher(quote):
    """PromQL string literals: "", '' and `` (https://prometheus.io/docs/prometheus/latest/querying/basics/#string-literals)."""
    query = f"modelops_scorer_errors_total{{namespace={quote}reach{quote},jbo={quote}x{quote}}}"
    [sel], _ = promql.selectors(query)
    assert [(m.label, m.op, m.value) for m in sel.matchers] == [("namespace", "=", "reach"), ("jbo", "=", "x")]
    assert promql.problems(query) == [
        "modelops_scorer_errors_total carries no label 'jbo' (it has cluster, instance, job, location, model, "
        "namespace, project_id, stage)"
    ]


def test_values_are_unquoted_and_may_hold_braces_commas_and_escapes():
    [sel], _ = promql.selectors('modelops_requests_total{job=`a},b`, code="2\\"0", namespace=\'x\'}')
    assert [(m.label, m.value) for m in sel.matchers] == [("job", "a},b"), ("code", '2"0'), ("namespace", "x")]


@pytest.mark.parametrize(
    "query",
    [
        "sum(rate(modelops_requests_total[5m] offset 1h))",
        "sum(rate(modelops_requests_total[5m] offset -1h30m))",
        "modelops_requests_total @ 1609746000",
        "modelops_requests_total @ start()",
        "rate(modelops_requests_total[5m] @ end() offset 5m)",
    ],
)
def test_offset_and_at_modifiers_are_not_series(query):
    found, _ = promql.selectors(query)
    assert [s.name for s in found] == ["modelops_requests_total"]
    assert promql.problems(query) == []


def test_the_name_label_is_the_series_name():
    [sel], _ = promql.selectors('{__name__="modelops_requests_total", namespace="a", jbo="b"}')
    assert sel.name == "modelops_requests_total" and sel.labels == ("namespace", "jbo")
    assert promql.problems('{__name__="modelops_requests_total", jbo="b"}') == [
        "modelops_requests_total carries no label 'jbo' (it has cluster, code, instance, job, location, namespace, "
        "project_id)"
    ]
    assert promql.problems('{__name__="modelops_request_total"}')[0].startswith("modelops_request_total is not")
    assert "cannot be checked" in promql.problems('{__name__=~"modelops_.*"}')[0]


def test_a_terraform_token_in_a_query_or_dashboard_is_a_finding_not_skipped():
    alert = {"conditions": [{"display_name": "c", "condition_prometheus_query_language": {"query": "${var.q}"}}]}
    assert ["cannot be checked" in p for p in query_problems(alert)] == [True]
    embedded = {"conditions": [{"condition_prometheus_query_language": {"query": 'up{job="${local.job}"}'}}]}
    assert ["cannot be checked" in p for p in query_problems(embedded)] == [True]
    assert ["cannot be checked" in p for p in query_problems({"dashboard_json": "${jsonencode(local.d)}"})] == [True]


def _stage_values_in_the_scorer() -> set[str]:
    """Every string the scorer assigns to `stage`, the label value of its errors counter (scorer/worker.py)."""
    tree = ast.parse((ROOT / "scorer" / "worker.py").read_text())
    values = {
        node.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "stage" for t in node.targets)
        and isinstance(node.value, ast.Constant)
    }
    labels = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "labels"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "errors"
    ]
    assert labels and all(isinstance(c.args[1], ast.Name) and c.args[1].id == "stage" for c in labels)
    return values


def test_the_closed_stage_values_are_the_ones_the_scorer_writes():
    assert set(promql.data()["metrics"]["modelops_scorer_errors"]["values"]["stage"]) == _stage_values_in_the_scorer()


@pytest.mark.parametrize(
    ("matcher", "ok"),
    [
        ('stage="model"', True),
        ('stage="no-such-stage"', False),
        ('stage=~"decode|history"', True),
        ('stage=~"dec"', False),
        ('stage!="x"', True),
        ('stage=~"("', False),
    ],
)
def test_a_closed_label_matcher_must_select_a_written_value(matcher, ok):
    assert (promql.problems(f"modelops_scorer_errors_total{{{matcher}}}") == []) is ok


# --- MLOPS_MON_9: selector values name workloads of the same stack -------------------------------------------


def _alert(query: str) -> dict:
    return {"conditions": [{"display_name": "c", "condition_prometheus_query_language": {"query": query}}]}


def test_job_and_deployment_values_must_name_the_stacks_pod_monitoring_and_deployment():
    monitorings, deploys = {("reach", "intent-scorer")}, {("reach", "intent-scorer")}
    good = 'x{namespace="reach",job="intent-scorer"} + kube_deployment_status_replicas{namespace="reach",deployment="intent-scorer"}'
    assert list(target_problems(_alert(good), monitorings, deploys)) == []
    for bad in (
        'x{namespace="reach",job="wrong-job-name"}',
        'x{namespace="scout",job="intent-scorer"}',
        "x{namespace='reach',job=`wrong`}",
        'kube_deployment_status_replicas{namespace="reach",deployment="other"}',
    ):
        assert len(list(target_problems(_alert(bad), monitorings, deploys))) == 1, bad


def test_every_synthesized_promql_selector_names_a_workload_of_its_stack(org_config, org_synth_dir):
    outcomes = list(PromqlTargets().evaluate(Scan(org_config, load_stacks(org_config, org_synth_dir))))
    assert len(outcomes) >= 4 and all(o.passed for o in outcomes), [o.message for o in outcomes if not o.passed]


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
