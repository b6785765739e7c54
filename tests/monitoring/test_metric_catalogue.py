"""The metric catalogue: Google's facts as data, our own descriptors equal to what Terraform declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from metric_catalogue import catalogue as cat_module
from metric_catalogue.catalogue import CatalogueError, catalogue, parse
from modules.monitoring import filters
from tests.helpers import resources


def test_every_custom_metric_entry_equals_the_descriptor_terraform_declares(org_stacks):
    """Kind, value type, unit, labels, launch stage and description: the catalogue is not a second opinion."""
    cat = catalogue()
    declared = {
        d["type"]: d
        for stack in ("team-ledger-prod", "platform-prod")  # team metrics; the scorecard's in the platform project
        for d in resources(org_stacks[stack], "google_monitoring_metric_descriptor").values()
    }
    custom = {t: m for t, m in cat.metrics.items() if m.custom}
    assert set(custom) == set(declared)
    for metric_type, descriptor in declared.items():
        entry = custom[metric_type]
        assert (entry.kind, entry.value_type, entry.unit, entry.launch_stage) == (
            descriptor["metric_kind"],
            descriptor["value_type"],
            descriptor["unit"],
            descriptor["launch_stage"],
        ), metric_type
        assert list(entry.labels) == [label["key"] for label in descriptor["labels"]], metric_type
        assert [entry.labels[label["key"]].description for label in descriptor["labels"]] == [
            label["description"] for label in descriptor["labels"]
        ], metric_type
        assert (entry.display_name, entry.description) == (descriptor["display_name"], descriptor["description"])


def test_custom_metrics_are_catalogued_on_the_resource_the_quality_workflow_writes():
    from modules.quality import workflow_steps

    source = Path(workflow_steps.__file__).read_text()
    assert '"resource": {"type": "global"' in source
    for metric in catalogue().metrics.values():
        if metric.custom:
            assert metric.resources == ("global",)
            assert metric.resource_accepted_verified is False  # Google's page on custom-metric resources was not read


def test_every_metric_and_resource_the_platform_names_is_catalogued():
    cat = catalogue()
    named = {
        v
        for k, v in vars(filters).items()
        if k.isupper() and isinstance(v, str) and "googleapis.com/" in v and not v.endswith("/")
    }
    resources_named = {
        filters.ENDPOINT_RESOURCE,
        filters.WORKFLOW_RESOURCE,
        filters.SUBSCRIPTION_RESOURCE,
        filters.TOPIC_RESOURCE,
        filters.CUSTOM_RESOURCE,
    }
    metric_types = {v for v in named if v not in resources_named}
    assert metric_types <= set(cat.metrics), metric_types - set(cat.metrics)
    assert resources_named <= set(cat.resources)
    for metric_type in metric_types:
        assert not cat.metric(metric_type).deprecated, metric_type


def test_google_entries_name_their_source_page_and_when_it_was_read():
    cat = catalogue()
    for metric in cat.metrics.values():
        if metric.custom:
            continue
        assert metric.source.url.startswith("https://cloud.google.com/monitoring/api/metrics_gcp_")
        assert metric.source.list_generated and metric.source.read_on
        assert metric.verified
        for rtype in metric.resources:
            assert cat.resource(rtype).source.url == "https://cloud.google.com/monitoring/api/resources"


def test_the_facts_the_three_fixes_rest_on():
    """Read on Google's metrics list (see sources in catalogue.yaml): the reasons for the three fixes."""
    cat = catalogue()
    assert cat.metric("workflows.googleapis.com/execution_times").unit == "s"
    deprecated = cat.metric("pubsub.googleapis.com/topic/send_message_operation_count")
    assert deprecated.deprecated and "topic/message_sizes" in deprecated.deprecation
    publish = cat.metric("pubsub.googleapis.com/topic/send_request_count")
    assert (publish.launch_stage, publish.kind, publish.value_type) == ("GA", "DELTA", "INT64")
    assert publish.labels["response_class"].values == ("success", "invalid", "internal")
    responses = cat.metric("aiplatform.googleapis.com/prediction/online/response_count")
    assert (
        "response_code" in responses.labels
        and "response_code" not in cat.metric("aiplatform.googleapis.com/prediction/online/error_count").labels
    )


def _doc(**metric_overrides):
    metric = {
        "kind": "DELTA",
        "value_type": "INT64",
        "unit": "1",
        "launch_stage": "GA",
        "resources": ["global"],
        "labels": {},
        "source": "s",
        "verified": True,
        **metric_overrides,
    }
    return {
        "sources": {"s": {"title": "t", "url": "u", "read_on": "2026-11-30"}},
        "resources": {"global": {"labels": {"project_id": "p"}, "source": "s", "verified": True}},
        "metrics": {"x.googleapis.com/m": metric},
    }


@pytest.mark.parametrize(
    "override, message",
    [
        ({"kind": "SOMETIMES"}, "metrics.x.googleapis.com/m.kind: 'SOMETIMES' is not one of GAUGE, DELTA, CUMULATIVE"),
        ({"resources": ["pubsub_topic"]}, "'pubsub_topic' is not catalogued under `resources`"),
        ({"launch_stage": "DEPRECATED"}, "deprecation: required for a DEPRECATED metric"),
        ({"verified": False}, "reason: required when verified is false"),
        ({"source": "elsewhere"}, "'elsewhere' is not a key of `sources`"),
        ({"labels": {"response_code": {"values": "2xx"}}}, "expected a description or {description, values}"),
    ],
)
def test_a_malformed_catalogue_is_refused_with_the_entry_and_field(override, message):
    with pytest.raises(CatalogueError, match=re.escape(message)):
        parse(_doc(**override))


def test_the_repository_catalogue_loads(tmp_path):
    assert cat_module.load().metrics
    broken = tmp_path / "catalogue.yaml"
    broken.write_text("metrics: [")
    with pytest.raises(CatalogueError, match=str(broken)):
        cat_module.load(broken)
