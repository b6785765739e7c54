"""Runbooks are generated and current; custom metric descriptors are declared exactly once per team project."""

from __future__ import annotations

from pathlib import Path

from modules.monitoring import runbooks
from modules.monitoring.metrics import CUSTOM_METRICS
from tests.helpers import resources

REPO = Path(__file__).resolve().parents[2]


def test_every_alert_kind_in_the_synth_has_a_runbook(org_stacks):
    kinds = {
        p["user_labels"]["alert_kind"]
        for s in org_stacks.values()
        for p in resources(s, "google_monitoring_alert_policy").values()
    }
    assert kinds == set(runbooks.RUNBOOKS)  # every kind is used by the example, every used kind has a page


def test_every_runbook_has_three_checks_and_a_tuning_hint():
    for book in runbooks.RUNBOOKS.values():
        assert (
            len(book.checks) == 3
            and all(book.checks)
            and book.tuning
            and book.severity in ("CRITICAL", "ERROR", "WARNING")
        )


def test_custom_metric_descriptors_are_declared_in_each_team_project(org_stacks):
    descriptors = resources(org_stacks["team-ledger-prod"], "google_monitoring_metric_descriptor")
    assert {d["type"] for d in descriptors.values()} == {
        f"custom.googleapis.com/modelops/{p}"
        for p in (
            "usage/predictions",
            "usage/distinct_callers",
            "quality/accuracy",
            "quality/precision",
            "quality/recall",
            "quality/mae",
            "quality/rmse",
            "data/missing_feature_ratio",
            "data/drift_psi",
            "batch/output_rows",
        )
    }
    assert set(CUSTOM_METRICS) == {d["type"].split("modelops/")[1] for d in descriptors.values()}
    drift = descriptors["custom-metrics/data-drift_psi"]
    assert (drift["metric_kind"], drift["value_type"], drift["project"]) == ("GAUGE", "DOUBLE", "orbit-ledger-prod")
    assert [label["key"] for label in drift["labels"]] == ["team", "model", "feature"]


def test_every_alert_kind_has_a_signal_and_a_runbook():
    assert set(runbooks.WATCHES) == set(runbooks.RUNBOOKS)


def test_monitoring_doc_carries_the_column_contract_and_the_metric_catalogue():
    doc = (REPO / "docs" / "monitoring.md").read_text()  # freshness: tests/test_docs_fresh.py
    assert "#### `prediction_history`" in doc
    assert "| `workflows.googleapis.com/execution_times` | DELTA, DISTRIBUTION, `s` | BETA |" in doc
