"""Who may do what in a team's project: the access matrix as data, applied by one construct.

``TEAM_GRANTS`` is what ``TeamIam`` creates; docs/access.md is generated from the same tuple and from
policies/iam/contract.yaml (scripts/docs/access.py), and the gate (MLOPS_IAM_7) checks every
synthesized grant against the contract: each job step's permissions are covered, nothing beyond.
All grants are additive (`*_iam_member`); no basic roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from cdktn_provider_google.project_iam_custom_role import ProjectIamCustomRole
from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from constructs import Construct

from config import access_catalogue, names, patterns
from config.model import GroupKind, Groups, Team
from config.names import AccountKind
from modules.column_security import PiiTaxonomy
from modules.metadata_dataset import CmekDataset
from modules.principal import Principal
from modules.service_accounts import TeamServiceAccounts


class On(Enum):
    """What a grant is on: a stable slug (part of logical ids) and the words docs/access.md shows."""

    PROJECT = ("project", "team project")
    DATASET = ("dataset", "team metadata dataset")
    TABLES = ("tables", "every table Terraform creates in the team metadata dataset")
    SUMMARY_TABLES = ("summary-tables", "the usage, quality and drift tables of the team metadata dataset")
    PII_TAG = ("pii-tag", "pii policy tag")
    SERVING_SA = ("serving", "serving service account")
    PIPELINE_SA = ("pipeline", "pipeline service account")
    # The platform project of the environment: only the deployer's audit-log write (its account exists only once
    # this stack has run, so the platform stack, applied first, cannot grant it).
    PLATFORM_PROJECT = ("platform-project", "platform project (audit log)")

    def __init__(self, slug: str, description: str):
        self.slug = slug
        self.description = description


Who = GroupKind | AccountKind
# actAs on one account (config/data/ci_roles.yaml `act_as_role`).
ACT_AS_ROLE = "roles/iam.serviceAccountUser"

# When a grant applies: every environment, or only production / only the others (Platform.is_production).
ALWAYS, PRODUCTION, NON_PRODUCTION = "every environment", "production", "non-production"

# Custom roles: where no predefined role holds only what a job step needs. Each permission is the one
# Google's reference names for the REST call (policies/iam/contract.yaml cites every step and lists the calls;
# the gate checks that each role holds exactly the permissions of the steps that use it, that every permission
# exists in Google's IAM data, and that each call's permissions per Google's REST map are among them).
CUSTOM_ROLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    names.PREDICTOR_ROLE: (
        "ModelOps predictor",
        "Call a model: predict and read the endpoint, nothing else.",
        ("aiplatform.endpoints.get", "aiplatform.endpoints.predict"),
    ),
    names.MODEL_DEPLOYER_ROLE: (
        "ModelOps model deployer",
        "What modelops register/deploy/promote/rollback call in Vertex AI; no training, no batch jobs, no deletes.",
        (
            "aiplatform.endpoints.deploy",
            "aiplatform.endpoints.get",
            "aiplatform.endpoints.undeploy",
            "aiplatform.endpoints.update",
            "aiplatform.modelDeploymentMonitoringJobs.create",
            "aiplatform.modelDeploymentMonitoringJobs.get",
            "aiplatform.modelDeploymentMonitoringJobs.update",
            "aiplatform.models.get",
            "aiplatform.models.update",
            "aiplatform.models.upload",
        ),
    ),
    names.BATCH_RUNNER_ROLE: (
        "ModelOps batch runner",
        "Create, poll and cancel the batch prediction jobs of the team's batch workflows.",
        (
            "aiplatform.batchPredictionJobs.cancel",
            "aiplatform.batchPredictionJobs.create",
            "aiplatform.batchPredictionJobs.get",
            "aiplatform.models.get",
        ),
    ),
    names.MODEL_READER_ROLE: (
        "ModelOps model reader",
        "Read a registered model version (resolve <team>-<model>@champion); nothing else.",
        ("aiplatform.models.get",),
    ),
    names.TABLE_APPENDER_ROLE: (
        "ModelOps table appender",
        "Append rows to a table (streaming insert); read nothing.",
        ("bigquery.tables.get", "bigquery.tables.updateData"),
    ),
    names.GRANT_REVOKER_ROLE: (
        "ModelOps grant revoker",
        "List the grants of the team's PAM entitlements and end one early (modelops access list|revoke).",
        (
            "privilegedaccessmanager.grants.list",
            "privilegedaccessmanager.grants.revoke",
            "privilegedaccessmanager.operations.get",
        ),
    ),
}
PREDICTOR = "custom:" + names.PREDICTOR_ROLE
MODEL_DEPLOYER = "custom:" + names.MODEL_DEPLOYER_ROLE
BATCH_RUNNER = "custom:" + names.BATCH_RUNNER_ROLE
TABLE_APPENDER = "custom:" + names.TABLE_APPENDER_ROLE
MODEL_READER = "custom:" + names.MODEL_READER_ROLE
GRANT_REVOKER = "custom:" + names.GRANT_REVOKER_ROLE
PREDICTOR_PERMISSIONS = CUSTOM_ROLES[names.PREDICTOR_ROLE][2]


@dataclass(frozen=True)
class Grant:
    principal: Who  # a group of the team file or one of the team's service accounts
    target: On
    role: str
    why: str
    when: str = ALWAYS
    pattern: str | None = None  # only for a team with a model of this serving pattern

    def applies(self, production: bool, patterns: Iterable[str] | None = None) -> bool:
        """In a production environment or not (Platform.is_production); and, when ``patterns`` (the team's
        serving patterns) is given, for a team that uses the grant's pattern."""
        if self.pattern is not None and patterns is not None and self.pattern not in set(patterns):
            return False
        return self.when == ALWAYS or (self.when == PRODUCTION) == production


TEAM_GRANTS: tuple[Grant, ...] = (
    # people
    Grant(GroupKind.ADMINS, On.PROJECT, "roles/aiplatform.viewer", "see models, endpoints and jobs"),
    Grant(
        GroupKind.ADMINS,
        On.PROJECT,
        MODEL_DEPLOYER,
        "register, deploy and roll back models with modelops in an incident",
    ),
    Grant(
        GroupKind.ADMINS,
        On.SERVING_SA,
        "roles/iam.serviceAccountUser",
        "redeploy a model, which runs as the serving account, in an incident",
    ),
    Grant(GroupKind.ADMINS, On.PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant(
        GroupKind.ADMINS,
        On.PROJECT,
        GRANT_REVOKER,
        "list the team's just-in-time grants and end one early (modelops access list|revoke)",
    ),
    Grant(
        GroupKind.ADMINS,
        On.PROJECT,
        "roles/monitoring.editor",
        "tune dashboards, silence alerts, list channels for deploy",
    ),
    Grant(GroupKind.ADMINS, On.PROJECT, "roles/logging.viewer", "read logs"),
    Grant(
        GroupKind.ADMINS,
        On.TABLES,
        "roles/bigquery.dataViewer",
        "read metadata (PII columns stay hidden); only automation writes it",
    ),
    Grant(GroupKind.DEVELOPERS, On.PROJECT, "roles/aiplatform.user", "train, register and test models", NON_PRODUCTION),
    Grant(
        GroupKind.DEVELOPERS,
        On.PROJECT,
        "roles/aiplatform.viewer",
        "see models and endpoints; production changes go through the lifecycle CLI's gates and audit",
        PRODUCTION,
    ),
    Grant(GroupKind.DEVELOPERS, On.PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant(GroupKind.DEVELOPERS, On.PROJECT, "roles/monitoring.viewer", "see dashboards and alerts"),
    Grant(GroupKind.DEVELOPERS, On.PROJECT, "roles/logging.viewer", "read logs"),
    Grant(GroupKind.DEVELOPERS, On.TABLES, "roles/bigquery.dataViewer", "read metadata (PII columns stay hidden)"),
    Grant(GroupKind.VIEWERS, On.PROJECT, "roles/aiplatform.viewer", "see models and endpoints"),
    Grant(GroupKind.VIEWERS, On.PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant(GroupKind.VIEWERS, On.PROJECT, "roles/monitoring.viewer", "see dashboards and alerts"),
    Grant(GroupKind.VIEWERS, On.SUMMARY_TABLES, "roles/bigquery.dataViewer", "read usage, quality and drift"),
    Grant(GroupKind.SENSITIVE_DATA_READERS, On.PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant(
        GroupKind.SENSITIVE_DATA_READERS,
        On.DATASET,
        "roles/bigquery.dataViewer",
        "read every table, including Vertex AI's request logs with raw payloads",
    ),
    Grant(
        GroupKind.SENSITIVE_DATA_READERS,
        On.PII_TAG,
        "roles/datacatalog.categoryFineGrainedReader",
        "read raw values of PII columns",
    ),
    Grant(GroupKind.CONSUMERS, On.PROJECT, PREDICTOR, "call the team's endpoints (predict + get only)"),
    # automation
    Grant(AccountKind.SERVING, On.PROJECT, "roles/logging.logWriter", "model containers write logs"),
    Grant(AccountKind.SERVING, On.PROJECT, "roles/monitoring.metricWriter", "model containers write metrics"),
    Grant(
        AccountKind.SERVING,
        On.PROJECT,
        MODEL_READER,
        "the streaming scorer resolves <team>-<model>@champion in the registry",
        pattern="streaming",
    ),
    Grant(AccountKind.PIPELINE, On.PROJECT, BATCH_RUNNER, "create, poll and cancel batch prediction jobs"),
    Grant(AccountKind.PIPELINE, On.PROJECT, "roles/bigquery.jobUser", "run the quality, usage and drift queries"),
    Grant(AccountKind.PIPELINE, On.PROJECT, "roles/logging.logWriter", "write job logs"),
    Grant(AccountKind.PIPELINE, On.PROJECT, "roles/monitoring.metricWriter", "publish quality and drift metrics"),
    Grant(
        AccountKind.PIPELINE,
        On.PROJECT,
        "roles/workflows.invoker",
        "Cloud Scheduler starts the batch and quality workflows",
    ),
    Grant(
        AccountKind.PIPELINE,
        On.DATASET,
        "roles/bigquery.dataEditor",
        "read request logs; write history, usage, quality, drift and batch staging tables",
    ),
    Grant(
        AccountKind.PIPELINE,
        On.PII_TAG,
        "roles/datacatalog.categoryFineGrainedReader",
        "copy request logs and check PII features for missing values",
    ),
    Grant(AccountKind.DEPLOYER, On.PROJECT, MODEL_DEPLOYER, "register, deploy, promote and roll back models from CI"),
    Grant(
        AccountKind.DEPLOYER,
        On.PLATFORM_PROJECT,
        "roles/logging.logWriter",
        "write the modelops-audit event of every action into the platform project's log",
    ),
    Grant(
        AccountKind.DEPLOYER,
        On.PROJECT,
        "roles/monitoring.notificationChannelViewer",
        "find the team's notification channels for the model monitoring job",
    ),
    Grant(
        AccountKind.DEPLOYER,
        On.SERVING_SA,
        "roles/iam.serviceAccountUser",
        "deploy models that run as the serving account",
    ),
)


def short_role(role: str) -> str:
    """`roles/monitoring.viewer` -> `monitoring-viewer`: unique per role, valid in logical ids."""
    return role.rsplit("/", 1)[-1].replace(".", "-").replace(":", "-")


class TeamIam(Construct):
    """Applies TEAM_GRANTS for one team in one environment, plus the custom roles.

    ``serving_patterns`` (default none): the serving patterns of the team's models; a grant tied to a pattern
    applies only when the team uses it.
    ``platform_project`` (default None; required when a grant targets it): the environment's platform project,
    for the deployer's audit-log write.
    ``ci_applier`` (default None: no CI applier): the CI applier's e-mail; it may act as the pipeline account (and
    no other account of the project) to create the workflows and scheduler jobs that run as it."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project: str,
        env: str,
        production: bool,
        groups: Groups,
        service_accounts: TeamServiceAccounts,
        metadata: CmekDataset,
        pii: PiiTaxonomy,
        serving_patterns: Iterable[str] = (),
        platform_project: str | None = None,
        ci_applier: str | None = None,
    ):
        super().__init__(scope, id)
        self.project = project
        used = tuple(serving_patterns)
        self.custom_roles = {
            role_id: ProjectIamCustomRole(
                self,
                "predictor-role" if role_id == names.PREDICTOR_ROLE else f"{role_id}-role",
                project=project,
                role_id=role_id,
                title=title,
                description=description,
                permissions=sorted(permissions),
                stage="GA",
            )
            for role_id, (title, description, permissions) in CUSTOM_ROLES.items()
        }
        self.predictor_role = self.custom_roles[names.PREDICTOR_ROLE]
        accounts = {
            On.SERVING_SA: service_accounts.accounts[AccountKind.SERVING].name,
            On.PIPELINE_SA: service_accounts.accounts[AccountKind.PIPELINE].name,
        }
        for grant in TEAM_GRANTS:
            if not grant.applies(production, used):
                continue
            if isinstance(grant.principal, AccountKind):
                principal = service_accounts.principal(grant.principal)
            else:
                group = groups.get(grant.principal)
                if group is None:
                    continue  # optional group not configured
                principal = Principal.group(grant.principal, group)
            role = self.role_name(grant.role)
            if grant.target is On.PROJECT:
                ProjectIamMember(
                    self,
                    f"{principal.slug}-{short_role(grant.role)}",
                    project=project,
                    role=role,
                    member=principal.member,
                )
            elif grant.target is On.PLATFORM_PROJECT:
                if platform_project is None:
                    raise ValueError(f"{grant.why}: needs the platform project")
                ProjectIamMember(
                    self,
                    f"{principal.slug}-{short_role(grant.role)}-on-{grant.target.slug}",
                    project=platform_project,
                    role=role,
                    member=principal.member,
                )
            elif grant.target is On.DATASET:
                metadata.grant_role(principal, role)
            elif grant.target is On.TABLES:
                metadata.grant_tables_read(principal)
            elif grant.target is On.SUMMARY_TABLES:
                metadata.grant_tables_read(principal, only=names.SUMMARY_TABLES)
            elif grant.target is On.PII_TAG:
                pii.grant_fine_grained_read(principal)
            elif grant.target in accounts:
                ServiceAccountIamMember(
                    self,
                    f"{principal.slug}-on-{grant.target.slug}-{short_role(role)}",
                    service_account_id=accounts[grant.target],
                    role=role,
                    member=principal.member,
                )
            else:
                raise ValueError(f"unknown grant target {grant.target!r}")
        self.applier_act_as = (
            ServiceAccountIamMember(
                self,
                "ci-applier-on-pipeline-act-as",
                service_account_id=accounts[On.PIPELINE_SA],
                role=ACT_AS_ROLE,
                member=f"serviceAccount:{ci_applier}",
            )
            if ci_applier
            else None
        )

    def role_name(self, role: str) -> str:
        """`custom:<id>` -> the custom role's name (a reference, so grants wait for the role); else as is."""
        if role.startswith("custom:"):
            return self.custom_roles[role.split(":", 1)[1]].name
        return role


def team_project_roles(team: Team, env: str, platform_project: str, production: bool) -> dict[str, set[str]]:
    """project -> the roles a team stack grants at project level there (as the grants name them: a custom role
    by its full name): what the CI applier's Project IAM Admin must be allowed to grant (modules/ci_identity.py)."""
    project = team.environments[env].project_id
    used = list(dict.fromkeys(spec.name for spec in patterns.used(team)))
    out: dict[str, set[str]] = {}
    for grant in TEAM_GRANTS:
        if not grant.applies(production, used):
            continue
        if not isinstance(grant.principal, AccountKind) and team.groups.get(grant.principal) is None:
            continue
        where = {On.PROJECT: project, On.PLATFORM_PROJECT: platform_project}.get(grant.target)
        if where is None:
            continue
        role = grant.role
        if role.startswith("custom:"):
            role = f"projects/{project}/roles/{role.split(':', 1)[1]}"
        out.setdefault(where, set()).add(role)
    # Standing grants of single people (modules/access.py): project-level members of their catalogue roles.
    entries = access_catalogue.catalogue()
    for g in team.access.grants:
        for binding in entries[g.role].roles if g.role in entries else ():
            role = binding.role
            if role.startswith("custom:"):
                role = f"projects/{project}/roles/{role.split(':', 1)[1]}"
            out.setdefault(project, set()).add(role)
    return out
