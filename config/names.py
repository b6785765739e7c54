"""Derived Google Cloud names, computed in one place so their length and charset rules live here.

Every function is pure and deterministic: the same team/model/env always yields the same id,
so logical ids and resource names never depend on list positions.
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum

SERVICE_ACCOUNT_ID = re.compile(r"^[a-z]([-a-z0-9]{4,28}[a-z0-9])$")
DATASET_ID = re.compile(r"^[A-Za-z0-9_]{1,1024}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")

MANAGED_BY = "modelops"


class AccountKind(StrEnum):
    """The service accounts every team gets; the value is the suffix of the account id."""

    SERVING = "serving"
    PIPELINE = "pipeline"
    DEPLOYER = "deployer"


TEAM_SERVICE_ACCOUNTS: tuple[AccountKind, ...] = tuple(AccountKind)


def service_account_id(team: str, role: str) -> str:
    """``<team>-<role>``: 6-30 chars of [a-z0-9-] (validated by config rules)."""
    return f"{team}-{role}"


def service_account_email(team: str, role: str, project_id: str) -> str:
    return f"{service_account_id(team, role)}@{project_id}.iam.gserviceaccount.com"


def _underscored(name: str) -> str:
    """BigQuery dataset and table ids allow letters, digits and underscores, not hyphens."""
    return name.replace("-", "_")


def metadata_dataset_id(team: str) -> str:
    return f"{_underscored(team)}_metadata"


def governance_dataset_id(platform: str) -> str:
    return f"{_underscored(platform)}_governance"


def label_value(value: str) -> str:
    """Lowercase and replace characters labels do not allow; callers check the length rule."""
    return re.sub(r"[^a-z0-9_-]", "_", value.lower())


def email_label(email: str) -> str:
    """An email as a label value: ``jane.doe@acme.example`` -> ``jane_doe-acme_example``."""
    local, _, domain = email.lower().partition("@")
    return label_value(f"{local}-{domain}")


# Numeric Vertex endpoint ids: the Vertex API allows at most 9 digits with no leading zero
# (CreateEndpointRequest.endpoint_id, https://cloud.google.com/vertex-ai/docs/reference/rest/v1/
# projects.locations.endpoints/create); the provider's docs say 10 (resource_vertex_ai_endpoint.go:160
# at e03b7622, no ValidateFunc). Nine digits satisfy both.
ENDPOINT_ID = re.compile(r"^[1-9][0-9]{0,8}$")


def endpoint_name(team: str, model: str, env: str) -> str:
    """A stable numeric endpoint id derived from the names: 9 digits, no leading zero."""
    digest = int(hashlib.sha256(f"{team}/{model}/{env}".encode()).hexdigest(), 16)
    return str(100_000_000 + digest % 900_000_000)


def scope_id(team: str) -> str:
    """Fleet scope and namespace ids for a team."""
    return team


def kubernetes_service_account(team: str) -> str:
    return f"{team}-serving"


def stack_name(kind: str, *parts: str) -> str:
    return "-".join((kind, *parts))


def local_state_path(stack: str) -> str:
    """Where a stack without a state bucket keeps its state, relative to its working directory.

    Terraform runs each stack in ``<out>/stacks/<stack>/`` and resolves a local backend's path (and
    a ``terraform_remote_state`` of another stack) from there; every stack sits at the same depth,
    so ``../../../`` is the same directory for all of them: the one holding the synth output
    (``infra/``). State then survives a re-synth, which replaces the output directory.
    """
    return f"../../../terraform.{stack}.tfstate"


def platform_stack(env: str) -> str:
    return stack_name("platform", env)


def team_stack(team: str, env: str) -> str:
    return stack_name("team", team, env)


# --- platform-wide resource names -----------------------------------------------------------

# The platform's KMS keys, one per service that stores data at rest (the key's name is the service), so a
# grant never spans services. Patterns name the ones their team projects need (config/patterns.py).
KEY_SERVICES = ("bigquery", "vertex", "pubsub", "logging", "gke", "artifacts", "workflows")

AUDIT_LOG_BUCKET = "modelops-audit"  # CMEK log bucket that keeps audit logs beyond the default 30 days
ARTIFACT_REPOSITORY = "serving-images"
INSPECT_TEMPLATE = "modelops-pii"
CI_POOL = "modelops-ci"
CI_PROVIDER = "ci-oidc"
CI_DEPLOYER = "platform-ci-deployer"
CI_APPLIER = "platform-ci-applier"
CI_PLANNER = "platform-ci-planner"
CI_PROVIDER_OUTPUT = "ci_workload_identity_provider"
CI_PLAN_ENVIRONMENT_SUFFIX = "-plan"


def ci_plan_environment(env: str) -> str:
    """The GitHub environment pull-request plans of ``env`` run in (protect `prod-plan` with reviewers)."""
    return f"{env}{CI_PLAN_ENVIRONMENT_SUFFIX}"


# `cdktn output platform-<env>` shows it
PREDICTOR_ROLE = "modelopsPredictor"  # custom role ids are camelCase without '-'
MODEL_DEPLOYER_ROLE = "modelopsModelDeployer"  # the lifecycle CLI's Vertex AI calls
BATCH_RUNNER_ROLE = "modelopsBatchRunner"  # the batch workflow's Vertex AI calls
TABLE_APPENDER_ROLE = "modelopsTableAppender"  # append rows to one table, read nothing
GRANT_REVOKER_ROLE = "modelopsGrantRevoker"  # list and revoke the team's PAM grants (modelops access)
MODEL_READER_ROLE = "modelopsModelReader"  # read a model version (the streaming scorer's @champion)
DLP_PROFILE_TABLE = "dlp_data_profiles"

# --- the team metadata dataset's tables (schemas: modules/metadata_tables.py) ----------------

PREDICTION_HISTORY_TABLE = "prediction_history"
DAILY_USAGE_TABLE = "daily_usage"
MODEL_QUALITY_TABLE = "model_quality"
DATA_QUALITY_TABLE = "data_quality"
DRIFT_TABLE = "drift"
GROUND_TRUTH_TABLE = "ground_truth"
FEATURE_BASELINE_TABLE = "feature_baseline"
TEAM_TABLES = (
    PREDICTION_HISTORY_TABLE,
    DAILY_USAGE_TABLE,
    MODEL_QUALITY_TABLE,
    DATA_QUALITY_TABLE,
    DRIFT_TABLE,
    GROUND_TRUTH_TABLE,
)
# What viewers read: usage, quality and drift per model and day (no raw rows, no personal data).
SUMMARY_TABLES = (DAILY_USAGE_TABLE, MODEL_QUALITY_TABLE, DATA_QUALITY_TABLE, DRIFT_TABLE)


def audit_sink(project_kind: str) -> str:
    """Log sink names: ``modelops-audit-to-bigquery`` style, one per destination kind."""
    return f"modelops-audit-to-{project_kind}"


def workload_pool(project_id: str) -> str:
    """The GKE Workload Identity pool of the cluster's project."""
    return f"{project_id}.svc.id.goog"


def workload_identity_member(project_id: str, namespace: str, ksa: str) -> str:
    """The IAM member a Kubernetes service account acts as under Workload Identity."""
    return f"serviceAccount:{workload_pool(project_id)}[{namespace}/{ksa}]"


def gke_security_group(domain: str) -> str:
    """The Google Group GKE requires to resolve group membership for RBAC (fixed local part)."""
    return f"gke-security-groups@{domain}"


def taxonomy_display_name(team: str) -> str:
    return f"{team} sensitive data"


def discovery_config_name(team: str) -> str:
    return f"{team}-metadata-pii-discovery"


def service_agent(service: str, project_number: str) -> str:
    """Google-managed service agent of a project (``service-<number>@<domain>``)."""
    return f"serviceAccount:service-{project_number}@{SERVICE_AGENT_DOMAINS[service]}"


def compute_default_account(project_number: str) -> str:
    """The Compute Engine default service account (``<number>-compute@developer.gserviceaccount.com``,
    https://cloud.google.com/compute/docs/access/service-accounts#default_service_account): what Autopilot nodes
    run as when the cluster names no node account."""
    return f"{project_number}-compute@developer.gserviceaccount.com"


SERVICE_AGENT_DOMAINS = {
    "vertex": "gcp-sa-aiplatform.iam.gserviceaccount.com",
    "pubsub": "gcp-sa-pubsub.iam.gserviceaccount.com",
    "gke": "container-engine-robot.iam.gserviceaccount.com",
    "artifacts": "gcp-sa-artifactregistry.iam.gserviceaccount.com",
    "workflows": "gcp-sa-workflows.iam.gserviceaccount.com",
    "dlp": "dlp-api.iam.gserviceaccount.com",
    # The project's Logging service agent: the writer identity of its sinks when unique_writer_identity is
    # set ("a service agent used by the sinks with the same parent", sinks.create uniqueWriterIdentity,
    # https://cloud.google.com/logging/docs/api/reference/rest/v2/sinks/create; "Logging uses a Logging
    # service account for all sinks in a resource", https://cloud.google.com/logging/docs/routing/user-managed-service-accounts).
    "logging": "gcp-sa-logging.iam.gserviceaccount.com",
}


def custom_role(project: str, role_id: str) -> str:
    """A project-level custom role's full name, as IAM bindings reference it."""
    return f"projects/{project}/roles/{role_id}"


# --- model lifecycle (Vertex AI Model Registry, audit log) ----------------------------------

AUDIT_LOG_NAME = "modelops-audit"  # written by `modelops register/deploy/...`; the platform sink routes it


def vertex_model_id(team: str, model: str) -> str:
    """Registry model id ([a-z0-9_-], <= 63, starts with a letter): one model, many versions."""
    return f"{team}-{model}"


def deployed_model_display_name(model: str, version_id: str) -> str:
    return f"{model}-v{version_id}"


def monitoring_job_display_name(team: str, model: str, env: str) -> str:
    return f"{team}-{model}-{env}-monitoring"


# --- per-model serving names ----------------------------------------------------------------


def request_log_table(model: str) -> str:
    """Vertex request/response log table; Vertex creates it, so it must not pre-exist."""
    return f"request_log_{_underscored(model)}"


def batch_input_table(model: str) -> str:
    return f"batch_input_{_underscored(model)}"


def batch_output_table(model: str) -> str:
    return f"batch_output_{_underscored(model)}"


def batch_staging_table(model: str) -> str:
    """Today's input rows, copied out of the partitioned input table for one batch job run."""
    return f"batch_staging_{_underscored(model)}"


def online_workload(model: str) -> str:
    """The Deployment, Service, autoscaler, budget and monitoring of an online model with `runtime: gke`."""
    return f"{model}-online"


def scorer_workload(model: str) -> str:
    """The Deployment (and its autoscaler, budget, monitoring) of a streaming model's scorer in the team namespace."""
    return f"{model}-scorer"


def stream_archive_table(model: str) -> str:
    return f"stream_events_{_underscored(model)}"


def registry_model(project: str, region: str, team: str, model: str, alias: str = "champion") -> str:
    """The Vertex model version the batch job scores with (the alias the lifecycle CLI promotes)."""
    return f"projects/{project}/locations/{region}/models/{vertex_model_id(team, model)}@{alias}"


def model_resource_name(team: str, model: str, suffix: str = "") -> str:
    """Topics, subscriptions, schemas, workflows, scheduler jobs: `<team>-<model>[-suffix]`."""
    return "-".join(p for p in (team, model, suffix) if p)


def quality_workflow(team: str) -> str:
    return f"{team}-model-quality"


def slo_service_id(team: str, model: str) -> str:
    return f"{team}-{model}"


CUSTOM_METRIC_PREFIX = "custom.googleapis.com/modelops"


def custom_metric_type(path: str) -> str:
    """`custom.googleapis.com/modelops/<path>`, e.g. `quality/accuracy`."""
    return f"{CUSTOM_METRIC_PREFIX}/{path}"


def runbook_file(kind: str) -> str:
    """Repository path of an alert kind's generated runbook."""
    return f"docs/runbooks/{kind}.md"


def runbook_url(kind: str, repository: str | None, branch: str = "main") -> str:
    """Link put on every alert: the runbook in the platform repository (repo-relative without CI)."""
    if repository:
        return f"https://github.com/{repository}/blob/{branch}/{runbook_file(kind)}"
    return runbook_file(kind)


def team_dashboard_title(team: str) -> str:
    return f"{team} — Model Operations Center"


PLATFORM_DASHBOARD_TITLE = "Platform — Model Operations Center"


SCORECARD_ACCOUNT = "modelops-scorecard"  # runs the platform's scheduled scorecard workflow
SCORECARD_WORKFLOW = "modelops-scorecard"


# Pod Security Standards level of every team namespace (Pod Security Admission labels
# pod-security.kubernetes.io/<MODE>: <LEVEL>, https://kubernetes.io/docs/concepts/security/pod-security-admission/);
# the fleet puts them on the namespace (modules/tenancy.py), team stacks and the apply wait check them.
POD_SECURITY_LEVEL = "restricted"
POD_SECURITY_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"


def serving_image_prefix(region: str, platform_project: str) -> str:
    """`<region>-docker.pkg.dev/<platform project>/serving-images/`: where an environment's serving images live.

    Artifact Registry's Docker image path (https://cloud.google.com/artifact-registry/docs/docker/names); the
    platform stack creates the repository in the platform project and region (stacks/platform.py)."""
    return f"{region}-docker.pkg.dev/{platform_project}/{ARTIFACT_REPOSITORY}/"
