"""Audit trail: Data Access audit logs, and sinks that route audit logs into the governance dataset.

What lands in the governance dataset (partitioned tables created by the sink):
`cloudaudit_googleapis_com_activity` and `cloudaudit_googleapis_com_data_access` from the platform project and
every team project, and `modelops_audit` (the lifecycle CLI's events) from the platform project only.

Why the lifecycle events live in the platform project: anyone holding `logging.logEntries.create` on a project
can write any log name there, and in a team project that includes the serving account (the team's model code)
and the pipeline account. In the platform project only the identities that run lifecycle commands hold it (each
team's deployer and admins, modules/team_iam.py and modules/team_platform_access.py), and Data Access audit logs
for Cloud Logging (DATA_WRITE) are on there, so Cloud Audit Logs can record who wrote each entry. A team
project's `modelops-audit` log, which its other identities could write, is not routed anywhere.
The platform project also keeps the same logs in a CMEK log bucket with longer retention.
"""

from __future__ import annotations

from cdktn_provider_google.data_google_logging_project_settings import DataGoogleLoggingProjectSettings
from cdktn_provider_google.logging_project_bucket_config import LoggingProjectBucketConfig
from cdktn_provider_google.logging_project_sink import LoggingProjectSink
from cdktn_provider_google.project_iam_audit_config import ProjectIamAuditConfig, ProjectIamAuditConfigAuditLogConfig
from constructs import Construct

from config import names
from modules.kms import PlatformKeys
from modules.metadata_dataset import CmekDataset
from modules.principal import Principal

# Services whose reads and writes of data are audited (who called predict, who queried which table).
AUDITED_SERVICES = ("aiplatform.googleapis.com", "bigquery.googleapis.com")
AUDIT_LOG_TYPES = ("DATA_READ", "DATA_WRITE")
# In the platform project, who writes log entries (entries.write needs logging.logEntries.create, a DATA_WRITE
# permission type per https://cloud.google.com/logging/docs/audit-logging): the writer of every modelops-audit event.
LOGGING_SERVICE = "logging.googleapis.com"
LOGGING_LOG_TYPES = ("DATA_WRITE",)
AUDIT_BUCKET_RETENTION_DAYS = 400


def audit_filter(project: str, *, lifecycle_events: bool) -> str:
    """Cloud Audit logs of one project, and with ``lifecycle_events`` its `modelops-audit` log.

    Only the platform project's sinks carry the lifecycle events (lifecycle/context.py writes them there); the
    sunk table is `modelops_audit`. A team project's `modelops-audit` log is never routed: its serving and
    pipeline accounts may write log entries there.
    """
    audit = 'logName:"cloudaudit.googleapis.com"'
    if not lifecycle_events:
        return audit
    return f'{audit} OR logName="projects/{project}/logs/{names.AUDIT_LOG_NAME}"'


class DataAccessAuditLogs(Construct):
    """DATA_READ and DATA_WRITE audit logs (off by default for Vertex AI). Authoritative per service.

    ``log_writers`` (default False): also Cloud Logging's DATA_WRITE audit logs (who called entries.write), with
    ``exempt`` members (default none) left out: machine writers whose volume would drown the trail, such as GKE
    nodes."""

    def __init__(
        self, scope: Construct, id: str, *, project: str, log_writers: bool = False, exempt: tuple[str, ...] = ()
    ):
        super().__init__(scope, id)
        self.configs = {
            service: ProjectIamAuditConfig(
                self,
                service.split(".")[0],
                project=project,
                service=service,
                audit_log_config=[ProjectIamAuditConfigAuditLogConfig(log_type=t) for t in AUDIT_LOG_TYPES],
            )
            for service in AUDITED_SERVICES
        }
        if log_writers:
            self.configs[LOGGING_SERVICE] = ProjectIamAuditConfig(
                self,
                LOGGING_SERVICE.split(".")[0],
                project=project,
                service=LOGGING_SERVICE,
                audit_log_config=[
                    ProjectIamAuditConfigAuditLogConfig(log_type=t, exempted_members=list(exempt) or None)
                    for t in LOGGING_LOG_TYPES
                ],
            )


class AuditSinkToDataset(Construct):
    """A project sink into the governance dataset, with its writer identity granted on the dataset.

    ``scope`` may be a team stack routing its own project's logs into the platform dataset. The writer
    identity of a sink created with ``unique_writer_identity`` is the project's Logging service account
    (the `logging_service_account_id` of its logging settings), so a team project's writer is granted by
    the platform stack (``grant_writer=False`` here, modules/team_platform_access.py): no team stack
    writes IAM on the governance dataset. ``grant_writer`` defaults to True (the dataset's own project).
    ``lifecycle_events`` (default False) also routes the project's `modelops-audit` log: only the platform
    project's sinks do (``audit_filter``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project: str,
        dataset: CmekDataset,
        grant_writer: bool = True,
        lifecycle_events: bool = False,
    ):
        super().__init__(scope, id)
        self.sink = LoggingProjectSink(
            self,
            "sink",
            name=names.audit_sink("bigquery"),
            project=project,
            destination=f"bigquery.googleapis.com/projects/{dataset.project}/datasets/{dataset.name}",
            filter=audit_filter(project, lifecycle_events=lifecycle_events),
            unique_writer_identity=True,
            bigquery_options={"use_partitioned_tables": True},
            description="Audit logs and ModelOps lifecycle events into the governance dataset."
            if lifecycle_events
            else "Audit logs into the governance dataset.",
        )
        self.writer_grant = (
            dataset.grant_write(Principal(self.sink.writer_identity, "sink-writer"), scope=self, id="writer")
            if grant_writer
            else None
        )


class AuditLogBucket(Construct):
    """A CMEK log bucket that keeps the platform project's audit logs for 400 days.

    Not locked: locking a bucket is irreversible; lock it once retention is agreed.
    """

    def __init__(self, scope: Construct, id: str, *, project: str, location: str, keys: PlatformKeys):
        super().__init__(scope, id)
        kms_key_id = keys.key("logging").id
        # The project's Logging service account that encrypts log buckets: `kms_service_account_id` of the
        # project's Logging settings (data source google_logging_project_settings, provider 8.7.0; one read,
        # logging.settings.get, instead of the CMEK-settings read whose permission no role but one service
        # agent's holds in Google's IAM data).
        settings = DataGoogleLoggingProjectSettings(self, "logging-settings", project=project)
        self.key_grant = keys.grant_encrypt_decrypt(
            Principal.service_account(settings.kms_service_account_id, "logging-agent"),
            "logging",
            scope=self,
            id="logging-agent-key",
        )
        self.bucket = LoggingProjectBucketConfig(
            self,
            "bucket",
            project=project,
            location=location,
            bucket_id=names.AUDIT_LOG_BUCKET,
            description="Audit logs and ModelOps lifecycle events (CMEK).",
            retention_days=AUDIT_BUCKET_RETENTION_DAYS,
            cmek_settings={"kms_key_name": kms_key_id},
            locked=False,
            deletion_policy="PREVENT",
            lifecycle={"prevent_destroy": True},
            depends_on=[self.key_grant],
        )
        self.sink = LoggingProjectSink(
            self,
            "sink",
            name=names.audit_sink("log-bucket"),
            project=project,
            destination=f"logging.googleapis.com/projects/{project}/locations/{location}/buckets/{names.AUDIT_LOG_BUCKET}",
            filter=audit_filter(project, lifecycle_events=True),
            unique_writer_identity=True,
            description="Audit logs and ModelOps lifecycle events into the CMEK audit bucket.",
            depends_on=[self.bucket],
        )
