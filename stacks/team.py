"""TeamStack (`team-<team>-<env>`): one team's tenancy, identities, data and models in one environment."""

from __future__ import annotations

from cdktn_provider_google.cloud_scheduler_job import CloudSchedulerJob
from cdktn_provider_google.workflows_workflow import WorkflowsWorkflow
from constructs import Construct

from config import names, patterns
from config.model import Team
from config.names import AccountKind
from modules.access import TeamAccess
from modules.column_security import PiiTaxonomy
from modules.dlp import DatasetPiiDiscovery
from modules.governance import AuditSinkToDataset, DataAccessAuditLogs
from modules.kms import ProjectServiceAgents
from modules.kubernetes.cluster_access import ClusterAccess
from modules.kubernetes.namespace_baseline import NamespaceBaseline
from modules.kubernetes.namespace_ready import NamespaceReady
from modules.metadata_dataset import CmekDataset
from modules.metadata_tables import team_tables
from modules.notification_channels import NotificationChannels
from modules.service_accounts import TeamServiceAccounts
from modules.team_iam import TeamIam
from modules.tenancy import ServingWorkloadIdentity
from stacks.base import ModelOpsStack
from stacks.models import add_models
from stacks.platform import PlatformStack
from stacks.scorecard import grant_scorecard_reads


class TeamStack(ModelOpsStack):
    """Writes in the team project, and in the platform project only the deployer's right to write the
    modelops-audit log there (modules/team_iam.py: the account exists only once this stack has run).
    Everything else the team needs on the platform project (fleet scope, key, image-repository, template,
    governance-dataset and admins' audit-log grants) is made by the platform stack
    (modules/team_platform_access.py), which is applied first."""

    def __init__(self, scope: Construct, team: Team, env: str, platform: PlatformStack):
        project = team.environments[env].project_id
        super().__init__(
            scope,
            names.team_stack(team.name, env),
            env=platform.platform.environments[env],
            project=project,
            region=platform.region,
            labels={"team": team.name},
        )
        self.team = team
        self.platform = platform
        self.add_dependency(platform)
        self.service_accounts = TeamServiceAccounts(self, "service-accounts", team=team.name, project=project)
        self.agent_keys = ProjectServiceAgents(self, "agent-keys", project=project)
        self.column_security = PiiTaxonomy(
            self,
            "column-security",
            display_name=names.taxonomy_display_name(team.name),
            project=project,
            region=platform.region,
        )
        self.metadata = CmekDataset(
            self,
            "metadata",
            dataset_id=names.metadata_dataset_id(team.name),
            project=project,
            location=platform.region,
            keys=platform.keys,
            description=f"{team.display_name}: prediction history, usage, quality, drift and ground truth.",
            grant_key=False,
        )
        for spec in team_tables(team):
            self.metadata.add_table(spec, pii_policy_tag=self.column_security.pii_tag)
        self.tenancy = ServingWorkloadIdentity(
            self,
            "tenancy",
            team=team.name,
            fleet_project=platform.project,
            serving_account_name=self.service_accounts.accounts["serving"].name,
        )
        self.cluster_access = ClusterAccess(self, "cluster-access", cluster=platform.cluster)
        self.namespace_ready = NamespaceReady(
            self,
            "namespace-ready",
            namespace=names.scope_id(team.name),
            enforce=names.POD_SECURITY_LEVEL,
            platform_stack=names.platform_stack(env),
        )
        self.namespace_ready.depend_all_on_it(self)
        self.namespace = NamespaceBaseline(
            self,
            "namespace",
            team=team.name,
            serving_account_email=self.service_accounts.email(AccountKind.SERVING),
            namespace=team.namespace,
        )
        self.iam = TeamIam(
            self,
            "iam",
            project=project,
            env=env,
            production=platform.platform.is_production(env),
            groups=team.groups,
            service_accounts=self.service_accounts,
            metadata=self.metadata,
            pii=self.column_security,
            serving_patterns=list(dict.fromkeys(spec.name for spec in patterns.used(team))),
            platform_project=platform.project,
            # By name, not a cross-stack reference: the applier is the platform stack's, in the platform project.
            ci_applier=f"{names.CI_APPLIER}@{platform.project}.iam.gserviceaccount.com"
            if platform.ci is not None and platform.ci.applier is not None
            else None,
        )
        self.access = TeamAccess(
            self,
            "access",
            team=team,
            platform=platform.platform,
            project=project,
            dataset=names.metadata_dataset_id(team.name),
            role_name=self.iam.role_name,
        )
        if platform.ci is not None:
            self.service_accounts.grant_workload_identity_user(
                platform.ci.principal, AccountKind.DEPLOYER, scope=self, id="deployer-ci-federation"
            )
        self.audit_logs = DataAccessAuditLogs(self, "data-access-logs", project=project)
        self.audit_sink = AuditSinkToDataset(
            self, "audit-sink", project=project, dataset=platform.governance, grant_writer=False
        )
        self.pii_discovery = DatasetPiiDiscovery(
            self,
            "pii-discovery",
            team=team.name,
            project=project,
            project_number=self.agent_keys.project.number,
            location=platform.region,
            dataset=self.metadata,
            template=platform.inspect_template,
            governance=platform.governance,
            pii=self.column_security,
        )
        self.channels = NotificationChannels(self, "channels", channels=team.notification_channels, project=project)
        self.models = add_models(self, platform)
        grant_scorecard_reads(self, env, platform.project)
        if self.iam.applier_act_as is not None:
            # Creating a workflow or scheduler job that runs as the pipeline account checks actAs on it.
            for node in self.node.find_all():
                if isinstance(node, (WorkflowsWorkflow, CloudSchedulerJob)):
                    node.node.add_dependency(self.iam.applier_act_as)
