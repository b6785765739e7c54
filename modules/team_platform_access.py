"""What a team needs on the platform project, granted by the platform stack.

Every grant a team's identities need on platform resources (its fleet scope and namespace, the
platform keys its project's service agents encrypt with, the serving-image repository, the DLP
inspect template, the governance dataset) is created here, in the platform stack, from the whole
config (like the platform dashboard in stacks/models.py): applying a team stack then writes nothing
in the platform project, so it needs no IAM permission there, and the platform stack is the same
whichever team stacks a run builds. The team stack only references what it needs by name.

Members are Google-managed service agents (named from the team project's number) and groups, which
exist before either stack is applied; no grant here names an account a team stack creates (so the deployer's
audit-log write on this project is the team stack's, modules/team_iam.py).
"""

from __future__ import annotations

from cdktn_provider_google.bigquery_table_iam_member import BigqueryTableIamMember
from cdktn_provider_google.data_google_bigquery_default_service_account import DataGoogleBigqueryDefaultServiceAccount
from cdktn_provider_google.data_google_logging_project_settings import DataGoogleLoggingProjectSettings
from cdktn_provider_google.project_iam_member import ProjectIamMember
from constructs import Construct

from config.model import GroupKind, Team
from config.patterns import team_key_services
from modules.kms import ServiceAgentKeyAccess
from modules.principal import Principal
from modules.tenancy import TeamTenancy

AUDIT_LOG_WRITER = "roles/logging.logWriter"
SCORECARD_READ_ROLE = "roles/bigquery.dataViewer"


class TeamPlatformAccess(Construct):
    """One team's footprint on the platform project of one environment."""

    def __init__(self, scope: Construct, id: str, *, team: Team, env: str, platform) -> None:
        super().__init__(scope, id)
        project = team.environments[env].project_id
        self.team = team
        self.project = project
        self.tenancy = TeamTenancy(
            self,
            "tenancy",
            team=team.name,
            groups=team.groups,
            fleet_project=platform.project,
            membership_id=platform.gke.membership_id,
            membership_location=platform.gke.membership_location,
            ci_accounts=_ci_accounts(platform),
            rbac_actuation=platform.gke.rbac_actuation,
        )
        # The team project's agents: keys of the services its patterns declare, and the quality workflow's
        # (config/patterns.py; the grant must exist before the team stack creates CMEK resources, and the
        # platform stack is applied first).
        self.agents = ServiceAgentKeyAccess(
            self, "agent-keys", keys=platform.keys, project=project, services=team_key_services(team)
        )
        bq_agent = DataGoogleBigqueryDefaultServiceAccount(self, "bq-agent", project=project)
        self.bigquery_key = platform.keys.grant_encrypt_decrypt(
            Principal.service_account(bq_agent.email, "bq-agent"), "bigquery", scope=self, id="bq-agent-key"
        )
        self.grants = {}
        if team.models:
            # models.upload copies the serving image with the project's Vertex AI Service Agent
            # (ModelContainerSpec.image_uri: "permissions requirements for the Vertex AI Service Agent ...
            # The container image is ingested upon ModelService.UploadModel"; a custom service account cannot
            # be used to pull: https://cloud.google.com/vertex-ai/docs/general/custom-service-account).
            self.grants["vertex-agent-images"] = platform.artifact_registry.grant_read(
                self.agents.principal("vertex"), scope=self, id="vertex-agent-images"
            )
        dlp = self.agents.principal("dlp")
        self.grants["dlp-agent-template-reader"] = platform.inspect_template.grant_use(
            dlp, scope=self, id="dlp-agent-template-reader"
        )
        self.grants["dlp-agent-governance-writer"] = platform.governance.grant_write(
            dlp, scope=self, id="dlp-agent-governance-writer"
        )
        # The team project's audit sink writes as the project's Logging service account: "Sinks use this service
        # account as their writerIdentity if no custom service account is provided" (logging_service_account_id,
        # data source google_logging_project_settings, provider 8.7.0; sinks.create uniqueWriterIdentity:
        # "a service agent used by the sinks with the same parent").
        # The team's admins may run lifecycle commands in an incident; their modelops-audit events go to this
        # project's log (lifecycle/context.py), where only lifecycle identities may write (modules/governance.py).
        # The team's deployer account gets the same from the team stack (it exists only once that stack ran).
        self.grants["admins-audit-writer"] = ProjectIamMember(
            self,
            "admins-audit-log-writer",
            project=platform.project,
            role=AUDIT_LOG_WRITER,
            member=Principal.group(GroupKind.ADMINS, team.groups.admins).member,
        )
        # Developers request just-in-time access (modelops access request, lifecycle/access.py); the command writes
        # its modelops-audit event here like every lifecycle command.
        self.grants["developers-audit-writer"] = ProjectIamMember(
            self,
            "developers-audit-log-writer",
            project=platform.project,
            role=AUDIT_LOG_WRITER,
            member=Principal.group(GroupKind.DEVELOPERS, team.groups.developers).member,
        )
        scorecard = getattr(platform, "scorecard", None)  # production environments (stacks/scorecard.py)
        if scorecard is not None and team.groups.viewers:
            # The programme scorecard for the team's viewers and business owners (`modelops report --team`): one
            # table of aggregates (no column marked pii), table-level, never the governance dataset (audit logs).
            # Every team's rows: the scorecard is the programme's shared view. The query job runs in the team
            # project (viewers hold BigQuery Job User there); the dashboard stays out of reach on purpose
            # (monitoring.timeSeries.list on the platform project reads every team's series, modules/tenancy.py).
            self.grants["viewers-scorecard-reader"] = BigqueryTableIamMember(
                self,
                "viewers-scorecard-reader",
                project=platform.project,
                dataset_id=platform.governance.dataset.dataset_id,
                table_id=scorecard.table.table_id,
                role=SCORECARD_READ_ROLE,
                member=Principal.group(GroupKind.VIEWERS, team.groups.viewers).member,
            )
        logging = DataGoogleLoggingProjectSettings(self, "logging-settings", project=project)
        self.grants["audit-sink-writer"] = platform.governance.grant_write(
            Principal.service_account(logging.logging_service_account_id, "sink-writer"),
            scope=self,
            id="audit-sink-writer",
        )


def _ci_accounts(platform) -> dict[str, str]:
    """The CI applier's and planner's emails, when the platform has CI identities (modules/ci_identity.py)."""
    ci = getattr(platform, "ci", None)
    if ci is None or ci.applier is None:
        return {}
    return {"applier": ci.applier.email, "planner": ci.planner.email}


def add_team_platform_access(platform_stack, config, env: str) -> dict[str, TeamPlatformAccess]:
    """Every team of ``env`` (construct id ``team-<name>``), from the whole config."""
    return {
        team.name: TeamPlatformAccess(platform_stack, f"team-{team.name}", team=team, env=env, platform=platform_stack)
        for team in config.teams
        if env in team.environments
    }
