"""PlatformStack (`platform-<env>`): the shared cluster, keys, governance dataset, audit and guardrails."""

from __future__ import annotations

from constructs import Construct

from config import names
from config.model import Platform
from modules.artifact_registry import ServingImageRepository
from modules.ci_identity import CiIdentity
from modules.dlp import PiiInspectTemplate
from modules.gke_cluster import GkeAutopilotCluster
from modules.governance import AuditLogBucket, AuditSinkToDataset, DataAccessAuditLogs
from modules.guardrails import OrgGuardrails, guardrail_parent
from modules.kms import PlatformKeys, ServiceAgentKeyAccess
from modules.metadata_dataset import CmekDataset
from modules.metadata_tables import governance_tables
from modules.notification_channels import NotificationChannels
from modules.principal import Principal
from modules.scorecard.job import ScorecardJob
from modules.scorecard.run_alerts import ScorecardRunAlerts
from modules.scorecard.usage_alerts import UsageDropAlerts
from stacks.base import ModelOpsStack

# Service agents of the platform project that encrypt with a platform key (BigQuery's is granted
# by the governance dataset itself, Logging's by the audit bucket).
PLATFORM_AGENT_KEYS = ("gke", "artifacts")
# Production only: the scorecard workflow (stacks/scorecard.py) is CMEK-encrypted with the Workflows key.
PRODUCTION_PLATFORM_KEYS = ("workflows",)


class PlatformStack(ModelOpsStack):
    """Everything teams share in one environment. Team stacks read its attributes (cross-stack refs)."""

    def __init__(self, scope: Construct, platform: Platform, env: str):
        penv = platform.environments[env]
        project = penv.project_id
        super().__init__(
            scope,
            names.platform_stack(env),
            env=penv,
            project=project,
            region=platform.region,
            labels={"team": "platform"},
        )
        self.platform = platform
        self.keys = PlatformKeys(
            self, "kms", project=project, location=platform.region, ring_name=f"{platform.name}-{env}"
        )
        self.agent_keys = ServiceAgentKeyAccess(
            self,
            "agent-keys",
            keys=self.keys,
            project=project,
            services=PLATFORM_AGENT_KEYS + (PRODUCTION_PLATFORM_KEYS if platform.is_production(env) else ()),
        )
        self.channels = NotificationChannels(self, "channels", channels=platform.notification_channels, project=project)
        self.artifact_registry = ServingImageRepository(
            self,
            "artifact-registry",
            repository_id=names.ARTIFACT_REPOSITORY,
            project=project,
            location=platform.region,
            kms_key_id=self.keys.key("artifacts").id,
            depends_on=[self.agent_keys.grants["artifacts"]],
        )
        self.gke = GkeAutopilotCluster(
            self,
            "gke",
            gke=platform.gke,
            env=penv,
            location=platform.region,
            kms_key_id=self.keys.key("gke").id,
            allowed_image_prefixes=[f"{self.artifact_registry.image_prefix}**"],
            domain=platform.organization.domain,
            depends_on=[self.agent_keys.grants["gke"]],
        )
        self.cluster = self.gke.cluster
        self.governance = CmekDataset(
            self,
            "governance",
            dataset_id=names.governance_dataset_id(platform.name),
            project=project,
            location=platform.region,
            keys=self.keys,
            description="Audit logs of the platform and every team project, model events, policy exceptions, "
            "PII data profiles.",
        )
        for spec in governance_tables():
            self.governance.add_table(spec)
        # Who writes each modelops-audit entry (the lifecycle CLI writes them here, lifecycle/context.py). GKE nodes
        # (Autopilot without a node account: the Compute Engine default account) write the cluster's logs; they
        # are exempt, or every node log write would become an audit entry.
        self.audit_logs = DataAccessAuditLogs(
            self,
            "data-access-logs",
            project=project,
            log_writers=True,
            exempt=(f"serviceAccount:{names.compute_default_account(self.agent_keys.project.number)}",),
        )
        self.audit_sink = AuditSinkToDataset(
            self, "audit-sink", project=project, dataset=self.governance, lifecycle_events=True
        )
        self.audit_bucket = AuditLogBucket(
            self, "audit-bucket", project=project, location=platform.region, keys=self.keys
        )
        self.inspect_template = PiiInspectTemplate(self, "dlp", project=project, location=platform.region)
        self.ci = CiIdentity(self, "ci", ci=platform.ci, project=project, env=env) if platform.ci else None
        if self.ci is not None:
            self.artifact_registry.grant_write(
                Principal.service_account(self.ci.deployer.email, "ci-deployer"), scope=self, id="ci-deployer-images"
            )
        parent = guardrail_parent(platform.organization)
        self.guardrails = None
        self.scorecard: ScorecardJob | None = None  # stacks/scorecard.py, production environments
        self.usage_drop_alerts: UsageDropAlerts | None = None  # stacks/scorecard.py, with the scorecard
        self.scorecard_alerts: ScorecardRunAlerts | None = None  # stacks/scorecard.py: failed or stale runs
        if parent and env == platform.organization.guardrails_env:
            self.guardrails = OrgGuardrails(
                self,
                "guardrails",
                parent=parent,
                customer_id=platform.organization.customer_id,
                region=platform.region,
                key_projects=[e.project_id for e in platform.environments.values()],
            )
