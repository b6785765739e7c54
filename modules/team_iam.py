"""Who may do what in a team's project: the access matrix as data, applied by one construct.

``TEAM_GRANTS`` is what ``TeamIam`` creates; docs/access.md is generated from the same tuple and from
policies/iam/contract.yaml (scripts/platform_docs.py), and the gate (MLOPS_IAM_7) checks every
synthesized grant against the contract: each job step's permissions are covered, nothing beyond.
All grants are additive (`*_iam_member`); no basic roles.
"""
from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.project_iam_custom_role import ProjectIamCustomRole
from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from constructs import Construct

from modules.column_security import PiiTaxonomy
from modules.metadata_dataset import CmekDataset
from modules.service_accounts import TeamServiceAccounts
from stacks import names
from stacks.config import Groups

# What a grant is on.
PROJECT = "team project"
DATASET = "team metadata dataset"
TABLES = "every table Terraform creates in the team metadata dataset"
SUMMARY_TABLES = "the usage, quality and drift tables of the team metadata dataset"
PII_TAG = "pii policy tag"
SERVING_SA = "serving service account"

GROUP_KINDS = ("admins", "developers", "viewers", "sensitive_data_readers", "consumers")
ACCOUNT_KINDS = names.TEAM_SERVICE_ACCOUNTS

# When a grant applies: every environment, or only production / only the others (names.PRODUCTION_ENVS).
ALWAYS, PRODUCTION, NON_PRODUCTION = "every environment", "production", "non-production"

# Custom roles: where no predefined role holds only what a job step needs. Each permission is the one
# Google's reference names for the REST call (policies/iam/contract.yaml cites every step, and the gate
# checks that each role holds exactly the permissions of the steps that use it).
CUSTOM_ROLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    names.PREDICTOR_ROLE: ("ModelOps predictor", "Call a model: predict and read the endpoint, nothing else.",
                           ("aiplatform.endpoints.get", "aiplatform.endpoints.predict")),
    names.MODEL_DEPLOYER_ROLE: (
        "ModelOps model deployer",
        "What modelops register/deploy/promote/rollback call in Vertex AI; no training, no batch jobs, no deletes.",
        ("aiplatform.endpoints.deploy", "aiplatform.endpoints.get", "aiplatform.endpoints.undeploy",
         "aiplatform.endpoints.update", "aiplatform.modelDeploymentMonitoringJobs.create", "aiplatform.modelDeploymentMonitoringJobs.get",
         "aiplatform.modelDeploymentMonitoringJobs.update", "aiplatform.models.deploy", "aiplatform.models.get",
         "aiplatform.models.update", "aiplatform.models.upload", "aiplatform.operations.get")),
    names.BATCH_RUNNER_ROLE: (
        "ModelOps batch runner",
        "Create and poll the batch prediction jobs of the team's batch workflows.",
        ("aiplatform.batchPredictionJobs.create", "aiplatform.batchPredictionJobs.get", "aiplatform.models.get")),
    names.TABLE_APPENDER_ROLE: (
        "ModelOps table appender", "Append rows to a table (streaming insert); read nothing.",
        ("bigquery.tables.get", "bigquery.tables.updateData")),
}
PREDICTOR = "custom:" + names.PREDICTOR_ROLE
MODEL_DEPLOYER = "custom:" + names.MODEL_DEPLOYER_ROLE
BATCH_RUNNER = "custom:" + names.BATCH_RUNNER_ROLE
TABLE_APPENDER = "custom:" + names.TABLE_APPENDER_ROLE
PREDICTOR_PERMISSIONS = CUSTOM_ROLES[names.PREDICTOR_ROLE][2]


@dataclass(frozen=True)
class Grant:
    principal: str   # a group kind (groups in the team file) or a team service account kind
    target: str
    role: str
    why: str
    when: str = ALWAYS

    def applies(self, env: str) -> bool:
        production = env in names.PRODUCTION_ENVS
        return self.when == ALWAYS or (self.when == PRODUCTION) == production


TEAM_GRANTS: tuple[Grant, ...] = (
    # people
    Grant("admins", PROJECT, "roles/aiplatform.viewer", "see models, endpoints and jobs"),
    Grant("admins", PROJECT, MODEL_DEPLOYER, "register, deploy and roll back models with modelops in an incident"),
    Grant("admins", SERVING_SA, "roles/iam.serviceAccountUser",
          "redeploy a model, which runs as the serving account, in an incident"),
    Grant("admins", PROJECT, "roles/logging.logWriter", "write the modelops-audit event of the commands they run"),
    Grant("admins", PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant("admins", PROJECT, "roles/monitoring.editor", "tune dashboards, silence alerts, list channels for deploy"),
    Grant("admins", PROJECT, "roles/logging.viewer", "read logs"),
    Grant("admins", TABLES, "roles/bigquery.dataViewer", "read metadata (PII columns stay hidden); only automation writes it"),
    Grant("developers", PROJECT, "roles/aiplatform.user", "train, register and test models", NON_PRODUCTION),
    Grant("developers", PROJECT, "roles/aiplatform.viewer",
          "see models and endpoints; production changes go through the lifecycle CLI's gates and audit", PRODUCTION),
    Grant("developers", PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant("developers", PROJECT, "roles/monitoring.viewer", "see dashboards and alerts"),
    Grant("developers", PROJECT, "roles/logging.viewer", "read logs"),
    Grant("developers", TABLES, "roles/bigquery.dataViewer", "read metadata (PII columns stay hidden)"),
    Grant("viewers", PROJECT, "roles/aiplatform.viewer", "see models and endpoints"),
    Grant("viewers", PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant("viewers", PROJECT, "roles/monitoring.viewer", "see dashboards and alerts"),
    Grant("viewers", SUMMARY_TABLES, "roles/bigquery.dataViewer", "read usage, quality and drift"),
    Grant("sensitive_data_readers", PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant("sensitive_data_readers", DATASET, "roles/bigquery.dataViewer",
          "read every table, including Vertex AI's request logs with raw payloads"),
    Grant("sensitive_data_readers", PII_TAG, "roles/datacatalog.categoryFineGrainedReader",
          "read raw values of PII columns"),
    Grant("consumers", PROJECT, PREDICTOR, "call the team's endpoints (predict + get only)"),
    # automation
    Grant("serving", PROJECT, "roles/logging.logWriter", "model containers write logs"),
    Grant("serving", PROJECT, "roles/monitoring.metricWriter", "model containers write metrics"),
    Grant("pipeline", PROJECT, BATCH_RUNNER, "create and poll batch prediction jobs"),
    Grant("pipeline", PROJECT, "roles/bigquery.jobUser", "run the quality, usage and drift queries"),
    Grant("pipeline", PROJECT, "roles/logging.logWriter", "write job logs"),
    Grant("pipeline", PROJECT, "roles/monitoring.metricWriter", "publish quality and drift metrics"),
    Grant("pipeline", PROJECT, "roles/workflows.invoker", "Cloud Scheduler starts the batch and quality workflows"),
    Grant("pipeline", DATASET, "roles/bigquery.dataEditor",
          "read request logs; write history, usage, quality, drift and batch staging tables"),
    Grant("pipeline", PII_TAG, "roles/datacatalog.categoryFineGrainedReader",
          "copy request logs and check PII features for missing values"),
    Grant("deployer", PROJECT, MODEL_DEPLOYER, "register, deploy, promote and roll back models from CI"),
    Grant("deployer", PROJECT, "roles/logging.logWriter", "write the modelops-audit event of every action"),
    Grant("deployer", PROJECT, "roles/monitoring.notificationChannelViewer",
          "find the team's notification channels for the model monitoring job"),
    Grant("deployer", SERVING_SA, "roles/iam.serviceAccountUser", "deploy models that run as the serving account"),
)

# The summary tables viewers read (no raw rows, no personal data).
SUMMARY_TABLE_NAMES = ("daily_usage", "model_quality", "data_quality", "drift")


def short_role(role: str) -> str:
    """`roles/monitoring.viewer` -> `monitoring-viewer`: unique per role, valid in logical ids."""
    return role.rsplit("/", 1)[-1].replace(".", "-").replace(":", "-")


class TeamIam(Construct):
    """Applies TEAM_GRANTS for one team in one environment, plus the custom roles."""

    def __init__(self, scope: Construct, id: str, *, project: str, env: str, groups: Groups,
                 service_accounts: TeamServiceAccounts, metadata: CmekDataset, pii: PiiTaxonomy):
        super().__init__(scope, id)
        self.project = project
        self.custom_roles = {
            role_id: ProjectIamCustomRole(
                self, "predictor-role" if role_id == names.PREDICTOR_ROLE else f"{role_id}-role",
                project=project, role_id=role_id, title=title, description=description,
                permissions=sorted(permissions), stage="GA")
            for role_id, (title, description, permissions) in CUSTOM_ROLES.items()
        }
        self.predictor_role = self.custom_roles[names.PREDICTOR_ROLE]
        accounts = {SERVING_SA: service_accounts.accounts["serving"].name}
        for grant in TEAM_GRANTS:
            if not grant.applies(env):
                continue
            if grant.principal in ACCOUNT_KINDS:
                member = service_accounts.member(grant.principal)
            else:
                group = getattr(groups, grant.principal)
                if group is None:
                    continue  # optional group not configured
                member = f"group:{group}"
            slug = grant.principal.replace("_", "-")
            role = self.role_name(grant.role)
            if grant.target == PROJECT:
                ProjectIamMember(self, f"{slug}-{short_role(grant.role)}", project=project, role=role, member=member)
            elif grant.target == DATASET:
                metadata.grant(role, member, slug)
            elif grant.target == TABLES:
                metadata.grant_tables_read(member, slug)
            elif grant.target == SUMMARY_TABLES:
                metadata.grant_tables_read(member, slug, only=SUMMARY_TABLE_NAMES)
            elif grant.target == PII_TAG:
                pii.grant_fine_grained_read(member, slug)
            elif grant.target in accounts:
                ServiceAccountIamMember(self, f"{slug}-on-{grant.target.split()[0]}-{short_role(role)}",
                                        service_account_id=accounts[grant.target], role=role, member=member)
            else:
                raise ValueError(f"unknown grant target {grant.target!r}")

    def role_name(self, role: str) -> str:
        """`custom:<id>` -> the custom role's name (a reference, so grants wait for the role); else as is."""
        if role.startswith("custom:"):
            return self.custom_roles[role.split(":", 1)[1]].name
        return role
