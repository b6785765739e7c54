"""Online pattern on synthesized JSON: CMEK, request/response logging into the team dataset, access, SLOs."""

from __future__ import annotations

import pytest

from config import names
from tests.helpers import resources

ONLINE = [("ledger", "pay-scorer"), ("reach", "offer-ranker"), ("scout", "result-ranker")]
ENVS = ("dev", "prod")


def endpoint(org_stacks, team, model, env="prod"):
    return resources(org_stacks[f"team-{team}-{env}"], "google_vertex_ai_endpoint")[f"{model}/endpoint"]


@pytest.mark.parametrize("team,model", ONLINE)
@pytest.mark.parametrize("env", ENVS)
def test_every_endpoint_is_cmek_encrypted_with_the_platform_vertex_key(org_stacks, team, model, env):
    key = endpoint(org_stacks, team, model, env)["encryption_spec"]["kms_key_name"]
    assert f"cross-stack-reference-input-platform-{env}" in key and "kms_vertex" in key


@pytest.mark.parametrize("team,model", ONLINE)
@pytest.mark.parametrize("env", ENVS)
def test_every_endpoint_logs_requests_into_a_new_table_of_the_team_metadata_dataset(
    org_stacks, org_config, team, model, env
):
    cfg = org_config.team(team).model(model)
    logging = endpoint(org_stacks, team, model, env)["predict_request_response_logging_config"]
    assert logging["enabled"] is True
    assert logging["sampling_rate"] == cfg.logging.sample_rate
    uri = logging["bigquery_destination"]["output_uri"]
    project = org_config.team(team).environments[env].project_id
    assert uri.startswith(f"bq://{project}.${{google_bigquery_dataset.metadata_dataset_")
    assert uri.endswith(f".{names.request_log_table(model)}")
    # Vertex creates the table; one that pre-exists makes the endpoint fail.
    tables = resources(org_stacks[f"team-{team}-{env}"], "google_bigquery_table").values()
    assert names.request_log_table(model) not in {t["table_id"] for t in tables}


def test_request_log_table_name_replaces_dashes():
    assert names.request_log_table("pay-scorer") == "request_log_pay_scorer"


@pytest.mark.parametrize("team,model", ONLINE)
def test_endpoint_name_labels_and_location_come_from_team_model_env(org_stacks, team, model):
    ep = endpoint(org_stacks, team, model)
    assert ep["name"] == names.endpoint_name(team, model, "prod")
    assert ep["display_name"] == f"{team}-{model}"
    assert ep["location"] == "europe-west4"
    assert {k: ep["labels"][k] for k in ("team", "model", "env")} == {"team": team, "model": model, "env": "prod"}
    assert ep["labels"]["business_owner"] and ep["labels"]["data_class"]


def test_private_access_follows_serving_access_in_yaml(org_stacks):
    psc = endpoint(org_stacks, "ledger", "pay-scorer")
    assert psc["private_service_connect_config"] == {
        "enable_private_service_connect": True,
        "project_allowlist": ["orbit-ledger-prod"],
    }
    assert "dedicated_endpoint_enabled" not in psc
    dedicated = endpoint(org_stacks, "reach", "offer-ranker")
    assert dedicated["dedicated_endpoint_enabled"] is True and "private_service_connect_config" not in dedicated
    default = endpoint(org_stacks, "scout", "result-ranker")  # no `access` in YAML: private service connect
    assert default["private_service_connect_config"]["enable_private_service_connect"] is True


def test_vertex_agent_may_use_the_vertex_key_before_the_endpoint_exists_and_may_write_the_dataset(org_stacks):
    stack = org_stacks["team-ledger-prod"]
    # The key grant is the platform stack's (applied before any team stack), for the team project's agent.
    grant = resources(org_stacks["platform-prod"], "google_kms_crypto_key_iam_member")["team-ledger/agent-keys/vertex"]
    assert "kms_vertex" in grant["crypto_key_id"]
    assert grant["member"].endswith("@gcp-sa-aiplatform.iam.gserviceaccount.com")
    assert grant["member"].startswith("serviceAccount:service-${data.google_project.team-ledger_agent-keys_project_")
    depends_on = endpoint(org_stacks, "ledger", "pay-scorer")["depends_on"]
    assert any("vertex-agent-dataEditor" in d for d in depends_on)
    writer = resources(stack, "google_bigquery_dataset_iam_member")["metadata/vertex-agent-dataEditor"]
    assert writer["member"].endswith("@gcp-sa-aiplatform.iam.gserviceaccount.com")
    assert writer["member"].startswith("serviceAccount:service-${data.google_project.agent-keys_project_")
    assert writer["role"] == "roles/bigquery.dataEditor"


def test_latency_and_availability_slos_watch_the_endpoint(org_stacks, org_config):
    stack = org_stacks["team-ledger-prod"]
    eid = names.endpoint_name("ledger", "pay-scorer", "prod")
    service = resources(stack, "google_monitoring_custom_service")["pay-scorer/slo/service"]
    assert service["service_id"] == "ledger-pay-scorer"
    assert service["telemetry"]["resource_name"].endswith(f"/locations/europe-west4/endpoints/{eid}")
    slos = resources(stack, "google_monitoring_slo")
    latency = slos["pay-scorer/slo/latency"]["request_based_sli"]["distribution_cut"]
    assert latency["range"] == {"max": 150}  # prediction_latencies is in ms (metric catalogue), like latency_p99_ms
    assert slos["pay-scorer/slo/latency"]["display_name"].endswith("[threshold: 150 ms]")
    assert latency["distribution_filter"] == (
        'resource.type="aiplatform.googleapis.com/Endpoint" AND '
        'metric.type="aiplatform.googleapis.com/prediction/online/prediction_latencies" AND '
        f'resource.labels.endpoint_id="{eid}" AND metric.labels.latency_type="total"'
    )
    availability = slos["pay-scorer/slo/availability"]
    assert availability["goal"] == 0.99  # 1 - max_error_rate 0.01
    ratio = availability["request_based_sli"]["good_total_ratio"]
    assert "prediction/online/response_count" in ratio["total_service_filter"]
    assert 'response_code=monitoring.regex.full_match("2..")' in ratio["good_service_filter"]


# Vertex AI API, CreateEndpointRequest.endpoint_id: "If the first character is a number, this value
# may be up to 9 characters, and valid characters are [0-9] with no leading zeros."
# https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints/create
# (the provider's docs allow 10 digits; 9 satisfy both).
VERTEX_NUMERIC_ENDPOINT_ID = r"[1-9][0-9]{0,8}"


def test_every_synthesized_endpoint_id_is_valid_for_the_vertex_api(org_stacks):
    import re

    endpoints = [ep for doc in org_stacks.values() for ep in resources(doc, "google_vertex_ai_endpoint").values()]
    assert endpoints
    for ep in endpoints:
        assert re.fullmatch(VERTEX_NUMERIC_ENDPOINT_ID, ep["name"]), ep["name"]


def test_derived_endpoint_ids_stay_within_nine_digits_for_any_names():
    import random
    import re
    import string

    rng = random.Random(7)
    for _ in range(5000):
        team = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 20)))
        model = "".join(rng.choices(string.ascii_lowercase + "-", k=rng.randint(1, 40)))
        assert re.fullmatch(VERTEX_NUMERIC_ENDPOINT_ID, names.endpoint_name(team, model, "prod"))


def test_colliding_endpoint_ids_are_a_config_error(org_copy, monkeypatch):
    from config.errors import ConfigInvalid
    from config.loader import load_config

    monkeypatch.setattr(names, "endpoint_name", lambda team, model, env: "123456789")
    team_file = org_copy / "teams" / "ledger.yaml"
    text = team_file.read_text()
    # a second online model in the same team: its endpoint id collides under the patched derivation
    text = text.replace(
        "models:\n",
        "models:\n  - name: pay-scorer-two\n    pattern: online\n"
        "    description: A second online model.\n"
        "    impact: {kpi: ledger loss, owner: kim.berg@orbit.example}\n"
        "    monitoring: {latency_p99_ms: 100, max_error_rate: 0.01, min_predictions_per_hour: 10,\n"
        "                 drift_threshold: 0.2, max_missing_feature_ratio: 0.05, min_accuracy: 0.9,\n"
        "                 features: [amount]}\n"
        "    logging: {sample_rate: 1.0, retention_days: 400}\n",
        1,
    )
    team_file.write_text(text)
    with pytest.raises(ConfigInvalid) as raised:
        load_config(org_copy)
    assert any("collides with model" in str(e) for e in raised.value.errors)
