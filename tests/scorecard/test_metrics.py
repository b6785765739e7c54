"""The scorecard's metric descriptors follow Google's rules and cover the measures the SQL writes."""

from __future__ import annotations

import json
import re

from config import names
from modules.scorecard import queries
from modules.scorecard.metrics import SCORECARD_METRICS
from tests.helpers import resources

# google_monitoring_metric_descriptor (hashicorp/google 8.7.0; jsii assembly of cdktn-provider-google 21.1.0):
# `type` "The relative metric name must have only upper and lower-case letters, digits, '/' and underscores '_'
# ... the maximum number of characters allowed for the relative_metric_name is 100"; `labels.key` "must not exceed
# 100 characters ... must match the regular expression [a-zA-Z][a-zA-Z0-9_]*"; metric_kind and value_type
# "Possible values".
RELATIVE_NAME = re.compile(r"[A-Za-z0-9/_]{1,100}")
LABEL_KEY = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{0,99}")
METRIC_KINDS = {"GAUGE", "DELTA", "CUMULATIVE"}
VALUE_TYPES = {"BOOL", "INT64", "DOUBLE", "STRING", "DISTRIBUTION"}
MAX_LABELS = 30  # "Labels per metric descriptor", https://cloud.google.com/monitoring/quotas


def test_the_production_platform_project_declares_every_scorecard_metric_by_googles_rules(org_stacks):
    declared = resources(org_stacks[names.platform_stack("prod")], "google_monitoring_metric_descriptor")
    assert {d["type"] for d in declared.values()} == {m.metric.type for m in SCORECARD_METRICS.values()}
    for d in declared.values():
        assert RELATIVE_NAME.fullmatch(d["type"].removeprefix("custom.googleapis.com/")), d["type"]
        assert (d["metric_kind"], d["value_type"] in VALUE_TYPES) == ("GAUGE", True)
        labels = d.get("labels") or []
        assert len(labels) <= MAX_LABELS
        assert all(LABEL_KEY.fullmatch(label["key"]) for label in labels)
    assert not resources(org_stacks[names.platform_stack("dev")], "google_monitoring_metric_descriptor")


def test_every_published_measure_is_one_the_scorecard_sql_writes():
    written = set()
    for group in queries.GROUPS:
        text = (queries.SQL_DIR / f"{group}.sql").read_text()
        written |= {(group, m) for m in re.findall(r"SELECT (?:DISTINCT )?'([a-z_]+)'", text)}
    assert {(m.group, m.measure) for m in SCORECARD_METRICS.values()} <= written


def _dashboard_filters(stack: dict) -> list[str]:
    [dashboard] = [
        json.loads(d["dashboard_json"])
        for d in resources(stack, "google_monitoring_dashboard").values()
        if json.loads(d["dashboard_json"])["displayName"] == names.PLATFORM_DASHBOARD_TITLE
    ]
    return [
        data["timeSeriesQuery"]["timeSeriesFilter"]["filter"]
        for tile in dashboard["mosaicLayout"]["tiles"]
        for data in tile["widget"].get("xyChart", {}).get("dataSets", [])
        if "timeSeriesFilter" in data["timeSeriesQuery"]
    ]


def test_the_production_model_operations_center_charts_every_scorecard_metric(org_stacks):
    charted = " ".join(_dashboard_filters(org_stacks[names.platform_stack("prod")]))
    for metric in SCORECARD_METRICS.values():
        assert f'metric.type="{metric.metric.type}"' in charted, metric.path
    # Development has no scorecard job, so no scorecard tiles.
    assert "modelops/scorecard/" not in " ".join(_dashboard_filters(org_stacks[names.platform_stack("dev")]))
