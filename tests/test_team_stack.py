"""TeamStack on synthesized JSON: tenancy, identities, IAM matrix, metadata tables, column security, DLP."""
from __future__ import annotations

import json
import re

import pytest

from modules.team_iam import DATASET, IMAGES, PII_TAG, PROJECT, TEAM_GRANTS
from tests.helpers import all_resources, one, resources

TEAMS = ("fraud", "growth", "search")
ENVS = ("dev", "prod")
REMOTE = "${data.terraform_remote_state.cross-stack-reference-input-platform-"


@pytest.fixture(params=[f"team-{t}-{e}" for t in TEAMS for e in ENVS])
def team_stack(request, stacks):
    return stacks[request.param]


def _schema(table: dict) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(table["schema"])}


# --- tenancy -------------------------------------------------------------------------------

def test_team_scope_and_namespace_live_in_the_fleet_project_and_bind_to_the_env_cluster(stacks):
    stack = stacks["team-growth-prod"]
    scope = resources(stack, "google_gke_hub_scope")["tenancy/scope"]
    assert (scope["project"], scope["scope_id"]) == ("acme-mlops-prod", "growth")
    namespace = resources(stack, "google_gke_hub_namespace")["tenancy/namespace"]
    assert namespace["scope_namespace_id"] == "growth" and namespace["project"] == "acme-mlops-prod"
    binding = resources(stack, "google_gke_hub_membership_binding")["tenancy/cluster-binding"]
    assert binding["membership_id"].startswith(REMOTE + "prod.outputs.")
    assert "google_container_cluster" in binding["membership_id"] and "membership_id" in binding["membership_id"]
    assert "membership_location" in binding["location"]


def test_rbac_bindings_map_admins_developers_viewers_to_admin_edit_view(stacks):
    bindings = resources(stacks["team-fraud-dev"], "google_gke_hub_scope_rbac_role_binding")
    got = {b["group"]: b["role"]["predefined_role"] for b in bindings.values()}
    assert got == {"fraud-admins@acme.example": "ADMIN", "fraud-developers@acme.example": "EDIT",
                   "fraud-viewers@acme.example": "VIEW"}


def test_scope_iam_matches_the_rbac_roles(stacks):
    stack = stacks["team-fraud-dev"]
    scope_iam = {g["member"]: g["role"] for g in resources(stack, "google_gke_hub_scope_iam_member").values()}
    assert scope_iam == {"group:fraud-admins@acme.example": "roles/gkehub.scopeAdmin",
                         "group:fraud-developers@acme.example": "roles/gkehub.scopeEditor",
                         "group:fraud-viewers@acme.example": "roles/gkehub.scopeViewer"}
    fleet_project = [g for p, g in resources(stack, "google_project_iam_member").items() if p.startswith("tenancy/")]
    assert {g["project"] for g in fleet_project} == {"acme-mlops-dev"}
    assert {g["role"] for g in fleet_project} == {"roles/gkehub.scopeEditorProjectLevel",
                                                  "roles/gkehub.scopeViewerProjectLevel"}


def test_namespace_service_account_acts_as_the_serving_account_through_workload_identity(stacks):
    binding = resources(stacks["team-search-prod"], "google_service_account_iam_member")[
        "tenancy/serving-workload-identity"]
    assert binding["role"] == "roles/iam.workloadIdentityUser"
    assert binding["member"] == "serviceAccount:acme-mlops-prod.svc.id.goog[search/search-serving]"
    assert binding["service_account_id"].startswith("${google_service_account.service-accounts_serving_")


# --- IAM -----------------------------------------------------------------------------------

def test_every_grant_of_the_access_matrix_is_deployed(stacks):
    stack = stacks["team-fraud-prod"]
    deployed = set()
    for tf_type, _, conf in all_resources(stack):
        if tf_type.endswith("_iam_member"):
            deployed.add((conf["member"], conf["role"]))
    groups = {"admins": "fraud-admins", "developers": "fraud-developers", "viewers": "fraud-viewers",
              "sensitive_data_readers": "fraud-pii-readers"}
    for grant in TEAM_GRANTS:
        if grant.principal == "consumers":
            continue  # optional group, not set in the example (see test_consumers_get_only_the_predictor_role)
        if grant.principal in groups:
            member = f"group:{groups[grant.principal]}@acme.example"
            assert (member, grant.role) in deployed, grant
        else:
            roles = {r for m, r in deployed if f"service-accounts_{grant.principal}_" in m}
            assert grant.role in roles, grant


def test_only_groups_service_accounts_and_ci_principals_are_granted_anything(stacks):
    for name, stack in stacks.items():
        for tf_type, logical_id, conf in all_resources(stack):
            if tf_type.endswith("_iam_member"):
                member = conf["member"]
                sink_writer = member.startswith("${google_logging_project_sink.") and member.endswith(".writer_identity}")
                ci_subject = member.startswith(("principal://iam.googleapis.com/${google_iam_workload_identity_pool.",
                                                "principal://iam.googleapis.com/${data.terraform_remote_state."))
                assert sink_writer or ci_subject or member.startswith(("group:", "serviceAccount:", "principalSet://")), \
                    (name, logical_id, member)
                assert "allUsers" not in member and "allAuthenticatedUsers" not in member
            if tf_type == "google_gke_hub_scope_rbac_role_binding":
                assert "user" not in conf and conf["group"].endswith("@acme.example")


def test_no_basic_roles_and_no_authoritative_iam_anywhere(stacks):
    for name, stack in stacks.items():
        for tf_type, logical_id, conf in all_resources(stack):
            assert not tf_type.endswith(("_iam_binding", "_iam_policy")), (name, tf_type)
            if "role" in conf and isinstance(conf["role"], str):
                assert conf["role"] not in ("roles/owner", "roles/editor", "roles/viewer"), (name, logical_id)
            assert tf_type != "google_bigquery_dataset_access"
        for dataset in stack["resource"].get("google_bigquery_dataset", {}).values():
            assert "access" not in dataset  # dataset IAM is additive members only


def test_custom_predictor_role_has_predict_and_get_only(team_stack):
    role = resources(team_stack, "google_project_iam_custom_role")["iam/predictor-role"]
    assert role["role_id"] == "modelopsPredictor"
    assert sorted(role["permissions"]) == ["aiplatform.endpoints.get", "aiplatform.endpoints.predict"]


def test_service_account_user_only_for_the_ci_deployer(stacks):
    for name, stack in stacks.items():
        for path, grant in resources(stack, "google_service_account_iam_member").items():
            if grant["role"] == "roles/iam.serviceAccountUser":
                assert "service-accounts_deployer_" in grant["member"], (name, path)
        for grant in resources(stack, "google_project_iam_member").values():
            assert grant["role"] not in ("roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator")


def test_team_deployer_is_federated_with_the_platform_ci_pool(stacks):
    binding = resources(stacks["team-fraud-prod"], "google_service_account_iam_member")["deployer-ci-federation"]
    assert binding["role"] == "roles/iam.workloadIdentityUser"
    assert binding["member"].startswith("principal://iam.googleapis.com/" + REMOTE + "prod.outputs.")
    # only pushes to main outside any GitHub environment (tests/test_ci_trust.py evaluates the pool condition)
    assert binding["member"].endswith("/subject/repo:acme/mlops-platform:ref:refs/heads/main")
    assert binding["service_account_id"].startswith("${google_service_account.service-accounts_deployer_")


def test_deployer_may_push_and_serving_may_pull_platform_images(stacks):
    grants = resources(stacks["team-search-dev"], "google_artifact_registry_repository_iam_member")
    roles = {("deployer" if "deployer" in g["member"] else "serving"): g["role"] for g in grants.values()}
    assert roles == {"deployer": "roles/artifactregistry.writer", "serving": "roles/artifactregistry.reader"}
    assert {(g["project"], g["repository"]) for g in grants.values()} == {("acme-mlops-dev", "serving-images")}


# --- metadata dataset and tables -----------------------------------------------------------

def test_metadata_dataset_exposes_the_six_tables(team_stack):
    tables = {p for p in resources(team_stack, "google_bigquery_table") if p.startswith("metadata/")}
    assert tables == {f"metadata/{t}" for t in ("prediction_history", "daily_usage", "model_quality",
                                                    "data_quality", "drift", "ground_truth")}


def test_metadata_tables_are_cmek_day_partitioned_filtered_clustered_and_protected(team_stack):
    dataset = resources(team_stack, "google_bigquery_dataset")["metadata/dataset"]
    for path, table in resources(team_stack, "google_bigquery_table").items():
        if not path.startswith("metadata/"):
            continue  # pattern tables (batch input/output, stream archive, baseline): tests/serving
        assert table["encryption_configuration"]["kms_key_name"] == \
            dataset["default_encryption_configuration"]["kms_key_name"], path
        assert table["deletion_protection"] is True and table["lifecycle"]["prevent_destroy"] is True
        assert table["time_partitioning"]["type"] == "DAY"
        assert table["time_partitioning"]["field"] in _schema(table)
        assert table["require_partition_filter"] is True
        assert table["clustering"][0] == "model"


@pytest.mark.parametrize("team,days", [("fraud", 730), ("growth", 400), ("search", 90)])
def test_partitions_expire_after_the_longest_retention_of_the_teams_models(stacks, team, days):
    for path, table in resources(stacks[f"team-{team}-prod"], "google_bigquery_table").items():
        if not path.startswith("metadata/"):
            continue
        assert table["time_partitioning"]["expiration_ms"] == days * 24 * 3600 * 1000


def test_prediction_history_is_ready_for_online_batch_and_streaming_rows(stacks):
    table = resources(stacks["team-fraud-prod"], "google_bigquery_table")["metadata/prediction_history"]
    columns = _schema(table)
    assert {"prediction_time", "model", "model_version", "pattern", "request_id", "features",
            "request_payload", "response_payload", "predicted_label", "predicted_value"} <= set(columns)
    assert columns["prediction_time"]["mode"] == "REQUIRED" and columns["model"]["mode"] == "REQUIRED"
    assert table["clustering"] == ["model", "model_version"]


def test_columns_that_can_hold_personal_data_carry_the_pii_policy_tag(team_stack):
    tables = resources(team_stack, "google_bigquery_table")
    (tag_id, tag), = team_stack["resource"]["google_data_catalog_policy_tag"].items()
    assert tag["display_name"] == "pii"
    expected = {
        "metadata/prediction_history": {"caller", "entity_id", "pii_features", "request_payload", "response_payload"},
        "metadata/ground_truth": {"entity_id"},
    }
    for path, table in tables.items():
        schema = _schema(table)
        tagged = {n for n, c in schema.items() if "policyTags" in c}
        assert tagged == expected.get(path, set()), path
        for name in tagged:
            assert schema[name]["policyTags"]["names"] == [f"${{google_data_catalog_policy_tag.{tag_id}.name}}"]


def test_taxonomy_enforces_fine_grained_access_and_only_pii_readers_and_pipeline_read_raw(team_stack):
    taxonomy = resources(team_stack, "google_data_catalog_taxonomy")["column-security/taxonomy"]
    assert taxonomy["activated_policy_types"] == ["FINE_GRAINED_ACCESS_CONTROL"]
    assert taxonomy["region"] == "europe-west4"
    readers = resources(team_stack, "google_data_catalog_policy_tag_iam_member")
    assert {r["role"] for r in readers.values()} == {"roles/datacatalog.categoryFineGrainedReader"}
    members = sorted(r["member"] for r in readers.values())
    assert len(members) == 2
    assert members[0].endswith("-pii-readers@acme.example") and members[0].startswith("group:")
    assert "service-accounts_pipeline_" in members[1]


def test_team_groups_read_the_dataset_and_only_automation_writes_it(stacks):
    stack = stacks["team-growth-dev"]  # growth has an online and a streaming model
    grants = resources(stack, "google_bigquery_dataset_iam_member")
    on_metadata = {g["member"]: g["role"] for p, g in grants.items() if p.startswith("metadata/")}
    writers = sorted(p.split("/")[1] for p, g in grants.items()
                     if p.startswith("metadata/") and g["role"] == "roles/bigquery.dataEditor")
    # Dataset-wide writers: pipeline jobs, and the Vertex AI agent, which creates its own
    # request_log_<model> (and batch predictions_*) tables, so it cannot be granted per table.
    assert writers == ["pipeline-dataEditor", "vertex-agent-dataEditor"]
    assert not any(m.startswith("group:") for m, r in on_metadata.items() if r == "roles/bigquery.dataEditor")
    assert on_metadata["group:growth-admins@acme.example"] == "roles/bigquery.dataViewer"
    assert on_metadata["group:growth-viewers@acme.example"] == "roles/bigquery.dataViewer"
    # Writers that only append get exactly the table they write: the Pub/Sub agent (BigQuery
    # subscription) the model's archive table, the streaming scorer prediction_history.
    tables = {f"${{google_bigquery_table.{name}.table_id}}": conf["table_id"]
              for name, conf in stack["resource"]["google_bigquery_table"].items()}
    by_table = {tables[g["table_id"]]: g for g in resources(stack, "google_bigquery_table_iam_member").values()}
    assert set(by_table) == {"stream_events_clickstream_propensity", "prediction_history"}
    assert {g["role"] for g in by_table.values()} == {"roles/bigquery.dataEditor"}
    pubsub_agent = resources(stack, "google_kms_crypto_key_iam_member")["agent-keys/pubsub"]["member"]
    assert by_table["stream_events_clickstream_propensity"]["member"] == pubsub_agent
    assert "service-accounts_serving_" in by_table["prediction_history"]["member"]
    assert not {g["member"] for g in by_table.values()} & set(on_metadata)  # and nothing dataset-wide
    # A team without a streaming model has no table-level writers at all.
    assert not resources(stacks["team-fraud-dev"], "google_bigquery_table_iam_member")


# --- keys, audit, DLP ----------------------------------------------------------------------

@pytest.mark.parametrize("team,services", [("fraud", {"vertex", "workflows"}),
                                           ("growth", {"vertex", "pubsub", "workflows"}),
                                           ("search", {"vertex", "workflows"})])
def test_team_project_agents_get_only_the_keys_their_patterns_need(stacks, team, services):
    grants = resources(stacks[f"team-{team}-prod"], "google_kms_crypto_key_iam_member")
    agent_grants = {p.split("/")[1]: g for p, g in grants.items() if p.startswith("agent-keys/")}
    assert set(agent_grants) == services
    for service, grant in agent_grants.items():
        assert f"kms_{service}_" in grant["crypto_key_id"] and grant["crypto_key_id"].startswith(REMOTE)


def test_team_project_audit_logs_flow_into_the_governance_dataset(team_stack):
    configs = resources(team_stack, "google_project_iam_audit_config")
    assert {c["service"] for c in configs.values()} == {"aiplatform.googleapis.com", "bigquery.googleapis.com"}
    sink = resources(team_stack, "google_logging_project_sink")["audit-sink/sink"]
    assert sink["destination"].endswith("/datasets/acme_mlops_governance")
    assert sink["bigquery_options"]["use_partitioned_tables"] is True
    grant = resources(team_stack, "google_bigquery_dataset_iam_member")["audit-sink/writer"]
    assert grant["dataset_id"] == "acme_mlops_governance" and grant["member"].endswith(".writer_identity}")


def test_pii_discovery_scans_the_team_dataset_with_the_platform_template(stacks):
    stack = stacks["team-fraud-prod"]
    discovery = resources(stack, "google_data_loss_prevention_discovery_config")["pii-discovery/discovery"]
    assert discovery["status"] == "RUNNING"
    assert discovery["parent"] == "projects/acme-fraud-prod/locations/europe-west4"
    pattern = discovery["targets"][0]["big_query_target"]["filter"]["tables"]["include_regexes"]["patterns"][0]
    assert pattern["dataset_id_regex"] == "^fraud_metadata$" and pattern["project_id_regex"] == "^acme-fraud-prod$"
    assert discovery["actions"][0]["export_data"]["profile_table"] == {
        "project_id": "acme-mlops-prod", "dataset_id": "acme_mlops_governance", "table_id": "dlp_data_profiles"}
    writer = resources(stack, "google_bigquery_dataset_iam_member")["pii-discovery/agent-governance-writer"]
    assert "@dlp-api.iam.gserviceaccount.com" in writer["member"]


@pytest.mark.parametrize("team,env", [(t, e) for t in TEAMS for e in ENVS])
def test_pii_discovery_uses_the_platform_templates_full_resource_name(stacks, team, env):
    """inspect_templates must resolve to the template's `id` output (projects/P/locations/L/inspectTemplates/T);
    the provider's `name` attribute is only T (see PiiInspectTemplate.resource_name)."""
    discovery = resources(stacks[f"team-{team}-{env}"], "google_data_loss_prevention_discovery_config")[
        "pii-discovery/discovery"]
    (reference,) = discovery["inspect_templates"]
    match = re.fullmatch(r"\$\{data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)\}", reference)
    assert match, reference
    remote_state, output = match.groups()
    platform = stacks[f"platform-{env}"]
    remote = stacks[f"team-{team}-{env}"]["data"]["terraform_remote_state"][remote_state]
    assert remote_state == f"cross-stack-reference-input-platform-{env}"
    # the state the platform stack writes (local paths are the same from every stack directory)
    assert remote["config"] == next(iter(platform["terraform"]["backend"].values()))
    (template_logical_id,) = platform["resource"]["google_data_loss_prevention_inspect_template"]
    assert platform["output"][output]["value"] == (
        f"${{google_data_loss_prevention_inspect_template.{template_logical_id}.id}}")


def test_pii_discovery_agent_gets_the_documented_roles_in_the_right_projects(stacks):
    grants = resources(stacks["team-fraud-prod"], "google_project_iam_member")
    driver, reader = grants["pii-discovery/agent-profiles-driver"], grants["pii-discovery/agent-template-reader"]
    assert (driver["role"], driver["project"]) == ("roles/dlp.projectdriver", "acme-fraud-prod")
    assert (reader["role"], reader["project"]) == ("roles/dlp.inspectTemplatesReader", "acme-mlops-prod")
    assert driver["member"] == reader["member"]
    assert driver["member"].startswith("serviceAccount:service-")
    assert driver["member"].endswith("@dlp-api.iam.gserviceaccount.com")


def test_team_stacks_reach_the_platform_only_through_a_few_outputs(stacks):
    for name, stack in stacks.items():
        if not name.startswith("team-"):
            continue
        text = json.dumps(stack)
        used = {part.split("}")[0] for part in text.split(".outputs.")[1:]}
        kinds = {u.split("-output-")[1].split("_")[0] + "_" + u.split("-output-")[1].split("_")[1]
                 for u in used}
        assert used and len(used) <= 8, (name, sorted(used))
        assert kinds <= {"google_kms", "google_container", "google_data", "google_iam"}, kinds
