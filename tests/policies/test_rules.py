"""Every rule: its compliant fixture passes, its non-compliant fixture fails at the right YAML line."""

from __future__ import annotations

import pytest

from config.yaml_source import load
from policies.engine import registry
from tests.policies.conftest import load_fixtures

FIXTURE_SET = load_fixtures()
RULE_IDS = [r.id for r in registry.rules()]


def test_every_rule_has_a_fixture_and_every_fixture_a_rule():
    assert sorted(FIXTURE_SET) == sorted(RULE_IDS)


def test_rule_ids_follow_the_naming_scheme_and_metadata_is_complete():
    for info in registry.rules():
        assert info.id.startswith("MLOPS_") and info.id.rsplit("_", 1)[1].isdigit()
        assert info.title and info.why and info.capability and info.fix
        assert info.severity in ("CRITICAL", "HIGH", "MEDIUM", "LOW")


@pytest.mark.parametrize("rule", RULE_IDS)
def test_compliant_fixture_has_no_finding_for_the_rule(rule, rule_results):
    result = rule_results[rule, "compliant"]
    assert [f for f in result.findings if f.rule == rule] == []
    if FIXTURE_SET[rule].get("evaluated_on_compliant", True):
        assert any(p.rule == rule for p in result.passed), f"{rule} was not evaluated on its compliant fixture"


@pytest.mark.parametrize("rule", RULE_IDS)
def test_non_compliant_fixture_fails_at_the_yaml_line(rule, rule_results, org_config):
    fixture = FIXTURE_SET[rule]
    stack = fixture["stack"]
    findings = [f for f in rule_results[rule, "non_compliant"].findings if f.rule == rule]
    assert findings, f"{rule} found nothing in its non-compliant fixture"
    if stack.startswith("team-"):
        file = org_config.team(stack.split("-")[1]).source.file
    else:
        file = org_config.platform.source.file
    doc, _ = load(file)
    expected_line = doc.line(tuple(fixture["expect_yaml_path"]))
    for f in findings:
        assert (f.file, f.line) == (str(file), expected_line), f
        assert f.stack == stack and f.message and not f.suppressed
    resource_paths = {f"{stack}/{r['path']}" for r in fixture["non_compliant"]}
    if registry.by_id()[rule].kind == "resource":
        assert {f.construct_path for f in findings} == resource_paths


def test_findings_carry_rule_severity_stack_address_and_construct_path(rule_results):
    finding = next(f for f in rule_results["MLOPS_IAM_1", "non_compliant"].findings if f.rule == "MLOPS_IAM_1")
    assert finding.severity == "CRITICAL"
    assert finding.address.startswith("google_")
    assert finding.construct_path.startswith("team-ledger-prod/")
    assert finding.team == "ledger" and finding.env == "prod"
    assert "allUsers" in finding.message or "allAuthenticatedUsers" in finding.message


def test_alert_signal_inferred_from_metric_when_unlabelled():
    from policies.checks.monitoring_model_alerts import alert_signals

    ratio = {
        "conditions": [
            {
                "condition_threshold": {
                    "filter": 'metric.type="aiplatform.googleapis.com/prediction/online/error_count"',
                    "denominator_filter": 'metric.type="aiplatform.googleapis.com/prediction/online/prediction_count"',
                }
            }
        ]
    }
    volume = {
        "conditions": [
            {
                "condition_threshold": {
                    "filter": 'metric.type="aiplatform.googleapis.com/prediction/online/prediction_count"'
                }
            }
        ]
    }
    assert alert_signals(ratio) == {"errors"}
    assert alert_signals(volume) == {"traffic"}
    assert alert_signals({"user_labels": {"signal": "drift"}, **volume}) == {"drift"}


def test_every_type_the_label_rule_requires_labels_on_takes_labels_in_the_provider():
    """A type without a labels argument (e.g. google_cloud_scheduler_job) could never comply."""
    import importlib

    from modules.labels import label_attributes
    from policies.checks.labels_required import LABELLED

    for tf_type in LABELLED:
        module = importlib.import_module(f"cdktn_provider_google.{tf_type.removeprefix('google_')}")
        cls = next(v for v in vars(module).values() if getattr(v, "TF_RESOURCE_TYPE", None) == tf_type)
        assert label_attributes(cls.__new__(cls)), tf_type
