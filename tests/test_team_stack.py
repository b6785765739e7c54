"""TeamStack on synthesized JSON: tenancy, identities, IAM matrix, metadata tables, column security, DLP."""

from __future__ import annotations

import json
import re

import pytest

from modules.team_iam import TEAM_GRANTS
from tests.helpers import all_resources, resources

TEAMS = ("ledger", "reach", "scout")
ENVS = ("dev", "prod")
REMOTE = "${data.terraform_remote_state.cross-stack-reference-input-platform-"


@pytest.fixture(params=[f"team-{t}-{e}" for t in TEAMS for e in ENVS])
def team_stack(request, org_stacks):
    return org_stacks[request.param]


def _schema(table: dict) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(table["schema"])}


# --- tenancy -------------------------------------------------------------------------------


def test_team_scope_and_namespace_are_made_by_the_platform_stack_in_the_fleet_project(org_stacks):
    stack = org_stacks["platform-prod"]
    scope = resources(stack, "google_gke_hub_scope")["team-reach/tenancy/scope"]
    assert (scope["project"], scope["scope_id"]) == ("orbit-mlops-prod", "reach")
    namespace = resources(stack, "google_gke_hub_namespace")["team-reach/tenancy/namespace"]
    assert namespace["scope_namespace_id"] == "reach" and namespace["project"] == "orbit-mlops-prod"
    binding = resources(stack, "google_gke_hub_membership_binding")["team-reach/tenancy/cluster-binding"]
    assert (
        binding["membership_id"].startswith("${google_container_cluster.")
        and "membership_id" in binding["membership_id"]
    )
    assert "membership_location" in binding["location"]
    for name, team_stack in org_stacks.items():
        if name.startswith("team-"):
            assert not {t for t in team_stack["resource"] if t.startswith("google_gke_hub")}, name


def test_rbac_bindings_give_only_admins_a_role_that_can_run_pods(org_stacks):
    """EDIT creates pods, and a pod may run as <team>-serving (the serving account): developers get VIEW."""
    bindings = resources(org_stacks["platform-dev"], "google_gke_hub_scope_rbac_role_binding")
    got = {
        b.get("group", p.rsplit("/", 1)[1]): b["role"].get("predefined_role") or b["role"]["custom_role"]
        for p, b in bindings.items()
        if p.startswith("team-ledger/")
    }
    # The CI applier writes the namespace's objects (its custom role lists them; the scorer Deployment runs as
    # <team>-serving by design, config/data/kubernetes_ci_roles.yaml); the planner only reads.
    assert got == {
        "ledger-admins@orbit.example": "ADMIN",
        "ledger-developers@orbit.example": "VIEW",
        "ledger-viewers@orbit.example": "VIEW",
        "ci-applier-rbac": "modelops-ci-namespace-applier",
        "ci-planner-rbac": "modelops-ci-namespace-planner",
    }


def test_scope_iam_matches_the_rbac_roles(org_stacks):
    stack = org_stacks["platform-dev"]
    scope_iam = {
        g["member"]: g["role"]
        for p, g in resources(stack, "google_gke_hub_scope_iam_member").items()
        if p.startswith("team-ledger/")
    }
    assert scope_iam == {
        "group:ledger-admins@orbit.example": "roles/gkehub.scopeAdmin",
        "group:ledger-developers@orbit.example": "roles/gkehub.scopeViewer",
        "group:ledger-viewers@orbit.example": "roles/gkehub.scopeViewer",
    }
    fleet_project = [
        g for p, g in resources(stack, "google_project_iam_member").items() if p.startswith("team-ledger/tenancy/")
    ]
    assert {g["project"] for g in fleet_project} == {"orbit-mlops-dev"}
    # Connect gateway roles, not gkehub.scope*ProjectLevel: those also list the fleet host project's time series,
    # which is every team's metrics scope (issue 15 review, item 12; tests/policies/test_iam_data.py checks why).
    assert {g["role"] for g in fleet_project} == {"roles/gkehub.gatewayEditor", "roles/gkehub.gatewayReader"}


def test_namespace_service_account_acts_as_the_serving_account_through_workload_identity(org_stacks):
    binding = resources(org_stacks["team-scout-prod"], "google_service_account_iam_member")[
        "tenancy/serving-workload-identity"
    ]
    assert binding["role"] == "roles/iam.workloadIdentityUser"
    assert binding["member"] == "serviceAccount:orbit-mlops-prod.svc.id.goog[scout/scout-serving]"
    assert binding["service_account_id"].startswith("${google_service_account.service-accounts_serving_")


# --- IAM -----------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVS)
def test_every_grant_of_the_access_matrix_is_deployed(org_stacks, env, org_config):
    stack = org_stacks[f"team-ledger-{env}"]
    deployed = set()
    for tf_type, _, conf in all_resources(stack):
        if tf_type.endswith("_iam_member"):
            role = conf["role"]
            if role.startswith("${google_project_iam_custom_role."):
                role = "custom:" + role.split(".")[1].split("_")[1].removesuffix("-role")
            deployed.add((conf["member"], role))
    groups = {
        "admins": "ledger-admins",
        "developers": "ledger-developers",
        "viewers": "ledger-viewers",
        "sensitive_data_readers": "ledger-pii-readers",
    }
    for grant in TEAM_GRANTS:
        if grant.principal == "consumers":
            continue  # optional group, not set in the example (see test_consumers_get_only_the_predictor_role)
        role = grant.role.replace("custom:modelopsPredictor", "custom:predictor")
        if grant.principal in groups:
            present = (f"group:{groups[grant.principal]}@orbit.example", role) in deployed
        else:
            present = role in {r for m, r in deployed if f"service-accounts_{grant.principal}_" in m}
        assert present == grant.applies(
            org_config.platform.is_production(env), {m.pattern for m in org_config.team("ledger").models}
        ), (env, grant)


def test_developers_cannot_move_traffic_or_aliases_in_production(org_stacks):
    for env, expected in (("prod", "roles/aiplatform.viewer"), ("dev", "roles/aiplatform.user")):
        roles = {
            g["role"]
            for g in resources(org_stacks[f"team-scout-{env}"], "google_project_iam_member").values()
            if g["member"] == "group:scout-developers@orbit.example"
        }
        assert {r for r in roles if r.startswith("roles/aiplatform.")} == {expected}, env


def test_only_groups_service_accounts_and_ci_principals_are_granted_anything(org_stacks, org_config):
    from config.access_catalogue import window_condition

    for name, stack in org_stacks.items():
        for tf_type, logical_id, conf in all_resources(stack):
            if tf_type.endswith("_iam_member"):
                member = conf["member"]
                sink_writer = member.startswith("${google_logging_project_sink.") and member.endswith(
                    ".writer_identity}"
                )
                ci_subject = member.startswith(
                    (
                        "principal://iam.googleapis.com/${google_iam_workload_identity_pool.",
                        "principal://iam.googleapis.com/${data.terraform_remote_state.",
                    )
                )
                # a person only as a standing grant the team file declares, with its expiry condition
                team = name.split("-")[1] if name.startswith("team-") else None
                windows = {
                    g.member: window_condition(g.granted, g.expires)
                    for t in org_config.teams if t.name == team for g in t.access.grants
                }  # fmt: skip
                standing = member in windows and conf["condition"]["expression"].startswith(windows[member])
                assert (
                    sink_writer
                    or ci_subject
                    or standing
                    or member.startswith(("group:", "serviceAccount:", "principalSet://"))
                ), (name, logical_id, member)
                assert "allUsers" not in member and "allAuthenticatedUsers" not in member
            if tf_type == "google_gke_hub_scope_rbac_role_binding":
                # a group of the team file, or a CI account the platform stack creates (never a person)
                assert ("user" not in conf and conf["group"].endswith("@orbit.example")) or (
                    "group" not in conf
                    and re.fullmatch(r"\$\{google_service_account\.ci_(applier|planner)_\w+\.email\}", conf["user"])
                ), (name, logical_id)


def test_no_basic_roles_and_no_authoritative_iam_anywhere(org_stacks):
    for name, stack in org_stacks.items():
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


def test_only_the_deployer_and_admins_act_as_the_serving_account_and_only_the_applier_as_the_pipeline(org_stacks):
    """actAs is granted on single accounts, never on a project (issue 15 review, item 5)."""
    for name, stack in org_stacks.items():
        for path, grant in resources(stack, "google_service_account_iam_member").items():
            if grant["role"] != "roles/iam.serviceAccountUser":
                continue
            if "service-accounts_serving_" in grant["service_account_id"]:
                assert "service-accounts_deployer_" in grant["member"] or grant["member"].endswith(
                    "-admins@orbit.example"
                )
            elif "service-accounts_pipeline_" in grant["service_account_id"]:
                assert grant["member"].startswith("serviceAccount:platform-ci-applier@orbit-mlops-"), (name, path)
            elif "scorecard_account" in grant["service_account_id"]:  # the scorecard job's account (platform-prod)
                assert name == "platform-prod" and "ci_applier_" in grant["member"], (name, path)
            else:  # the GKE nodes' account, in the platform stack
                assert grant["service_account_id"].endswith("-compute@developer.gserviceaccount.com"), (name, path)
                assert "ci_applier_" in grant["member"], (name, path)
        for grant in resources(stack, "google_project_iam_member").values():
            assert grant["role"] not in ("roles/iam.serviceAccountTokenCreator", "roles/iam.serviceAccountUser")


def test_team_deployer_is_federated_with_the_platform_ci_pool(org_stacks):
    binding = resources(org_stacks["team-ledger-prod"], "google_service_account_iam_member")["deployer-ci-federation"]
    assert binding["role"] == "roles/iam.workloadIdentityUser"
    assert binding["member"].startswith("principal://iam.googleapis.com/" + REMOTE + "prod.outputs.")
    # only pushes to main outside any GitHub environment (tests/test_ci_trust.py evaluates the pool condition)
    assert binding["member"].endswith("/subject/repo:orbit/mlops-platform:ref:refs/heads/main")
    assert binding["service_account_id"].startswith("${google_service_account.service-accounts_deployer_")


def test_each_team_projects_vertex_agent_may_pull_platform_images_and_only_ci_pushes(org_stacks):
    """models.upload copies the image with the project's Vertex AI Service Agent (modules/team_platform_access.py)."""
    grants = resources(org_stacks["platform-dev"], "google_artifact_registry_repository_iam_member")
    readers = {p.split("/")[0]: g for p, g in grants.items() if g["role"] == "roles/artifactregistry.reader"}
    assert set(readers) == {"team-ledger", "team-reach", "team-scout"}
    assert all(g["member"].endswith("@gcp-sa-aiplatform.iam.gserviceaccount.com") for g in readers.values())
    writers = [g for g in grants.values() if g["role"] == "roles/artifactregistry.writer"]
    assert [w["member"] for w in writers] == [
        resources(org_stacks["platform-dev"], "google_artifact_registry_repository_iam_member")["ci-deployer-images"][
            "member"
        ]
    ]
    assert {(g["project"], g["repository"]) for g in grants.values()} == {("orbit-mlops-dev", "serving-images")}
    for name, stack in org_stacks.items():
        if name.startswith("team-"):
            assert "google_artifact_registry_repository_iam_member" not in stack["resource"], name


# --- metadata dataset and tables -----------------------------------------------------------


def test_metadata_dataset_exposes_the_six_tables(team_stack):
    tables = {p for p in resources(team_stack, "google_bigquery_table") if p.startswith("metadata/")}
    assert tables == {
        f"metadata/{t}"
        for t in ("prediction_history", "daily_usage", "model_quality", "data_quality", "drift", "ground_truth")
    }


def test_metadata_tables_are_cmek_day_partitioned_filtered_clustered_and_protected(team_stack):
    dataset = resources(team_stack, "google_bigquery_dataset")["metadata/dataset"]
    for path, table in resources(team_stack, "google_bigquery_table").items():
        if not path.startswith("metadata/"):
            continue  # pattern tables (batch input/output, stream archive, baseline): tests/serving
        assert (
            table["encryption_configuration"]["kms_key_name"]
            == dataset["default_encryption_configuration"]["kms_key_name"]
        ), path
        assert table["deletion_protection"] is True and table["lifecycle"]["prevent_destroy"] is True
        assert table["time_partitioning"]["type"] == "DAY"
        assert table["time_partitioning"]["field"] in _schema(table)
        assert table["require_partition_filter"] is True
        assert table["clustering"][0] == "model"


@pytest.mark.parametrize("team,days", [("ledger", 730), ("reach", 400), ("scout", 90)])
def test_partitions_expire_after_the_longest_retention_of_the_teams_models(org_stacks, team, days):
    for path, table in resources(org_stacks[f"team-{team}-prod"], "google_bigquery_table").items():
        if not path.startswith("metadata/"):
            continue
        assert table["time_partitioning"]["expiration_ms"] == days * 24 * 3600 * 1000


def test_prediction_history_is_ready_for_online_batch_and_streaming_rows(org_stacks):
    table = resources(org_stacks["team-ledger-prod"], "google_bigquery_table")["metadata/prediction_history"]
    columns = _schema(table)
    assert {
        "prediction_time",
        "model",
        "model_version",
        "pattern",
        "request_id",
        "features",
        "request_payload",
        "response_payload",
        "predicted_label",
        "predicted_value",
    } <= set(columns)
    assert columns["prediction_time"]["mode"] == "REQUIRED" and columns["model"]["mode"] == "REQUIRED"
    assert table["clustering"] == ["model", "model_version"]


def test_columns_that_can_hold_personal_data_carry_the_pii_policy_tag(team_stack):
    tables = resources(team_stack, "google_bigquery_table")
    ((tag_id, tag),) = team_stack["resource"]["google_data_catalog_policy_tag"].items()
    assert tag["display_name"] == "pii"
    expected = {
        "metadata/prediction_history": {"caller", "entity_id", "pii_features", "request_payload", "response_payload"},
        "metadata/ground_truth": {"entity_id"},
        # reach's streaming model has a `pii: true` feature: its event archive column is tagged too
        "intent-propensity/archive-table": {"visitor_id"},
    }
    for path, table in tables.items():
        schema = _schema(table)
        tagged = {n for n, c in schema.items() if "policyTags" in c}
        assert tagged == expected.get(path, set()), path
        for name in tagged:
            assert schema[name]["policyTags"]["names"] == [f"${{google_data_catalog_policy_tag.{tag_id}.name}}"]


def test_taxonomy_enforces_fine_grained_access_and_only_pii_readers_pipeline_and_dlp_read_raw(team_stack):
    taxonomy = resources(team_stack, "google_data_catalog_taxonomy")["column-security/taxonomy"]
    assert taxonomy["activated_policy_types"] == ["FINE_GRAINED_ACCESS_CONTROL"]
    assert taxonomy["region"] == "europe-west4"
    readers = resources(team_stack, "google_data_catalog_policy_tag_iam_member")
    assert {r["role"] for r in readers.values()} == {"roles/datacatalog.categoryFineGrainedReader"}
    members = sorted(r["member"] for r in readers.values())
    assert len(members) == 3
    assert members[0].endswith("-pii-readers@orbit.example") and members[0].startswith("group:")
    assert "service-accounts_pipeline_" in members[1]
    # Discovery profiles tagged columns only with Fine-Grained Reader (dlp/docs/troubleshoot-data-profiles).
    assert members[2].startswith("serviceAccount:service-") and members[2].endswith("@dlp-api.iam.gserviceaccount.com")


def test_people_read_tables_one_by_one_and_only_pii_readers_and_automation_touch_the_dataset(org_stacks):
    stack = org_stacks["team-reach-dev"]  # reach has an online and a streaming model
    grants = resources(stack, "google_bigquery_dataset_iam_member")
    on_metadata = {g["member"]: g["role"] for p, g in grants.items() if p.startswith("metadata/")}
    # Dataset-wide: the pipeline (reads request logs, writes its tables), the Vertex AI agent (creates
    # request_log_<model> and batch predictions_* itself) and the PII readers, nobody else: Vertex's tables
    # carry raw payloads and no policy tags.
    assert on_metadata == {
        "group:reach-pii-readers@orbit.example": "roles/bigquery.dataViewer",
        **{m: r for m, r in on_metadata.items() if "service-accounts_pipeline_" in m or "gcp-sa-aiplatform" in m},
    }
    assert sorted(on_metadata.values()) == [
        "roles/bigquery.dataEditor",
        "roles/bigquery.dataEditor",
        "roles/bigquery.dataViewer",
    ]
    tables = {
        f"${{google_bigquery_table.{name}.table_id}}": conf["table_id"]
        for name, conf in stack["resource"]["google_bigquery_table"].items()
    }
    by_member: dict[str, set] = {}
    for g in resources(stack, "google_bigquery_table_iam_member").values():
        by_member.setdefault(g["member"], set()).add(
            (tables[g["table_id"]], g["role"].split(".")[-1] if g["role"].startswith("roles/") else "appender")
        )
    assert {t for t, _ in by_member["group:reach-viewers@orbit.example"]} == {
        "daily_usage",
        "model_quality",
        "data_quality",
        "drift",
    }
    assert {t for t, _ in by_member["group:reach-developers@orbit.example"]} == set(tables.values())
    assert by_member["group:reach-admins@orbit.example"] == by_member["group:reach-developers@orbit.example"]
    assert not any(t.startswith("request_log_") for t in tables.values())
    # Writers that only append get exactly the table they write: the Pub/Sub agent (BigQuery subscription)
    # the model's archive table, the streaming scorer prediction_history with the append-only custom role.
    pubsub_agent = next(m for m in by_member if "gcp-sa-pubsub" in m)
    assert by_member[pubsub_agent] == {("stream_events_intent_propensity", "dataEditor")}
    serving = next(m for m in by_member if "service-accounts_serving_" in m)
    assert by_member[serving] == {("prediction_history", "appender")}
    appender = next(g for g in resources(stack, "google_bigquery_table_iam_member").values() if g["member"] == serving)
    assert "modelopsTableAppender" in appender["role"]


# --- keys, audit, DLP ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "team,services",
    [
        ("ledger", {"vertex", "workflows"}),
        ("reach", {"vertex", "pubsub", "workflows"}),
        ("scout", {"vertex", "workflows"}),
    ],
)
def test_team_project_agents_get_only_the_keys_their_patterns_need_from_the_platform_stack(org_stacks, team, services):
    grants = resources(org_stacks["platform-prod"], "google_kms_crypto_key_iam_member")
    agent_grants = {p.split("/")[2]: g for p, g in grants.items() if p.startswith(f"team-{team}/agent-keys/")}
    assert set(agent_grants) == services
    for service, grant in agent_grants.items():
        assert grant["crypto_key_id"].startswith(f"${{google_kms_crypto_key.kms_{service}_")
    bq = grants[f"team-{team}/bq-agent-key"]
    assert "kms_bigquery_" in bq["crypto_key_id"] and "bigquery_default_service_account" in bq["member"]
    assert "google_kms_crypto_key_iam_member" not in org_stacks[f"team-{team}-prod"]["resource"]


def test_team_project_audit_logs_flow_into_the_governance_dataset(team_stack, org_stacks):
    configs = resources(team_stack, "google_project_iam_audit_config")
    assert {c["service"] for c in configs.values()} == {"aiplatform.googleapis.com", "bigquery.googleapis.com"}
    sink = resources(team_stack, "google_logging_project_sink")["audit-sink/sink"]
    assert sink["destination"].endswith("/datasets/orbit_mlops_governance")
    assert sink["bigquery_options"]["use_partitioned_tables"] is True and sink["unique_writer_identity"] is True
    assert "google_bigquery_dataset_iam_member" not in json.dumps(
        {
            k: v
            for k, v in resources(team_stack, "google_bigquery_dataset_iam_member").items()
            if v["dataset_id"] == "orbit_mlops_governance"
        }
    )
    # The sink writes as the team project's Logging service agent; the platform stack grants it.
    team = sink["project"].split("-")[1]
    env = sink["project"].split("-")[2]
    grant = resources(org_stacks[f"platform-{env}"], "google_bigquery_dataset_iam_member")[
        f"team-{team}/audit-sink-writer"
    ]
    assert grant["dataset_id"] == "orbit_mlops_governance" and grant["role"] == "roles/bigquery.dataEditor"
    assert grant["member"].startswith("serviceAccount:${data.google_logging_project_settings.team-")
    assert grant["member"].endswith(".logging_service_account_id}")


def test_pii_discovery_scans_the_team_dataset_with_the_platform_template(org_stacks):
    stack = org_stacks["team-ledger-prod"]
    discovery = resources(stack, "google_data_loss_prevention_discovery_config")["pii-discovery/discovery"]
    assert discovery["status"] == "RUNNING"
    assert discovery["parent"] == "projects/orbit-ledger-prod/locations/europe-west4"
    pattern = discovery["targets"][0]["big_query_target"]["filter"]["tables"]["include_regexes"]["patterns"][0]
    assert pattern["dataset_id_regex"] == "^ledger_metadata$" and pattern["project_id_regex"] == "^orbit-ledger-prod$"
    assert discovery["actions"][0]["export_data"]["profile_table"] == {
        "project_id": "orbit-mlops-prod",
        "dataset_id": "orbit_mlops_governance",
        "table_id": "dlp_data_profiles",
    }
    writer = resources(org_stacks["platform-prod"], "google_bigquery_dataset_iam_member")[
        "team-ledger/dlp-agent-governance-writer"
    ]
    assert "@dlp-api.iam.gserviceaccount.com" in writer["member"]


@pytest.mark.parametrize("team,env", [(t, e) for t in TEAMS for e in ENVS])
def test_pii_discovery_uses_the_platform_templates_full_resource_name(org_stacks, team, env):
    """inspect_templates must resolve to the template's `id` output (projects/P/locations/L/inspectTemplates/T);
    the provider's `name` attribute is only T (see PiiInspectTemplate.resource_name)."""
    discovery = resources(org_stacks[f"team-{team}-{env}"], "google_data_loss_prevention_discovery_config")[
        "pii-discovery/discovery"
    ]
    (reference,) = discovery["inspect_templates"]
    match = re.fullmatch(r"\$\{data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)\}", reference)
    assert match, reference
    remote_state, output = match.groups()
    platform = org_stacks[f"platform-{env}"]
    remote = org_stacks[f"team-{team}-{env}"]["data"]["terraform_remote_state"][remote_state]
    assert remote_state == f"cross-stack-reference-input-platform-{env}"
    # the state the platform stack writes (local paths are the same from every stack directory)
    assert remote["config"] == next(iter(platform["terraform"]["backend"].values()))
    (template_logical_id,) = platform["resource"]["google_data_loss_prevention_inspect_template"]
    assert platform["output"][output]["value"] == (
        f"${{google_data_loss_prevention_inspect_template.{template_logical_id}.id}}"
    )


def test_pii_discovery_agent_gets_the_documented_roles_in_the_right_projects(org_stacks):
    driver = resources(org_stacks["team-ledger-prod"], "google_project_iam_member")[
        "pii-discovery/agent-profiles-driver"
    ]
    reader = resources(org_stacks["platform-prod"], "google_project_iam_member")[
        "team-ledger/dlp-agent-template-reader"
    ]
    assert (driver["role"], driver["project"]) == ("roles/dlp.projectdriver", "orbit-ledger-prod")
    assert (reader["role"], reader["project"]) == ("roles/dlp.inspectTemplatesReader", "orbit-mlops-prod")
    for member in (driver["member"], reader["member"]):
        assert member.startswith("serviceAccount:service-") and member.endswith("@dlp-api.iam.gserviceaccount.com")


def test_team_stacks_write_only_in_their_own_project_but_the_deployers_audit_log_grant(org_stacks, org_config):
    """Applying a team stack writes in the platform project only its deployer's logWriter there (the modelops-audit
    log, review 17 item 6): the account exists only once the team stack ran, so the platform stack cannot grant it."""
    for name, stack in org_stacks.items():
        if not name.startswith("team-"):
            continue
        project = stack["provider"]["google"][0]["project"]
        platform = org_config.platform.environments[name.rsplit("-", 1)[1]].project_id
        for tf_type, logical_id, conf in all_resources(stack):
            for key in ("project", "parent"):
                value = conf.get(key)
                if isinstance(value, str) and not value.startswith("${"):
                    if value == platform:
                        assert (tf_type, conf["role"]) == ("google_project_iam_member", "roles/logging.logWriter")
                        assert "service-accounts_deployer_" in conf["member"], (name, logical_id)
                        continue
                    assert value in (project, f"projects/{project}") or value.startswith(f"projects/{project}/"), (
                        name,
                        tf_type,
                        logical_id,
                    )
            assert not tf_type.startswith(("google_kms_", "google_gke_hub_", "google_artifact_registry_")), (
                name,
                tf_type,
            )
            if tf_type == "google_bigquery_dataset_iam_member":
                assert conf["project"] == project, (name, logical_id)


def test_team_stacks_reach_the_platform_only_through_a_few_outputs(org_stacks):
    for name, stack in org_stacks.items():
        if not name.startswith("team-"):
            continue
        text = json.dumps(stack)
        used = {part.split("}")[0] for part in text.split(".outputs.")[1:]}
        kinds = {u.split("-output-")[1].split("_")[0] + "_" + u.split("-output-")[1].split("_")[1] for u in used}
        assert used and len(used) <= 10, (name, sorted(used))
        # google_container: the cluster's endpoint and CA certificate, for the kubernetes provider.
        assert kinds <= {"google_kms", "google_data", "google_iam", "google_container"}, kinds
        cluster_outputs = {u.rstrip(")") for u in used if "google_container_cluster" in u}
        assert all(o.endswith(("endpoint", "cluster_ca_certificate")) for o in cluster_outputs), cluster_outputs
