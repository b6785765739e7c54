"""Who may do what in a team's project: the access matrix as data, applied by one construct.

``TEAM_GRANTS`` is the single source of truth: ``TeamIam`` creates exactly these grants and
docs/access.md is generated from the same tuple (scripts/gen_docs.py), so the documented matrix
cannot drift from what is deployed. All grants are additive (`*_iam_member`); no basic roles.
"""
from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.project_iam_custom_role import ProjectIamCustomRole
from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from constructs import Construct

from modules.artifact_registry import ServingImageRepository
from modules.column_security import PiiTaxonomy
from modules.metadata_dataset import CmekDataset
from modules.service_accounts import TeamServiceAccounts
from stacks import names
from stacks.config import Groups

# What a grant is on.
PROJECT = "team project"
DATASET = "team metadata dataset"
PII_TAG = "pii policy tag"
SERVING_SA = "serving service account"
PIPELINE_SA = "pipeline service account"
IMAGES = "platform image repository"

GROUP_KINDS = ("admins", "developers", "viewers", "sensitive_data_readers", "consumers")
ACCOUNT_KINDS = names.TEAM_SERVICE_ACCOUNTS

PREDICTOR_PERMISSIONS = ("aiplatform.endpoints.predict", "aiplatform.endpoints.get")
PREDICTOR = "custom:" + names.PREDICTOR_ROLE


@dataclass(frozen=True)
class Grant:
    principal: str   # a group kind (groups in the team file) or a team service account kind
    target: str
    role: str
    why: str


TEAM_GRANTS: tuple[Grant, ...] = (
    # people
    Grant("admins", PROJECT, "roles/aiplatform.user", "register, deploy and roll back models by hand in an incident"),
    Grant("admins", PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant("admins", PROJECT, "roles/monitoring.editor", "tune dashboards, silence alerts"),
    Grant("admins", PROJECT, "roles/logging.viewer", "read logs"),
    Grant("admins", DATASET, "roles/bigquery.dataViewer", "read metadata; only automation writes it"),
    Grant("developers", PROJECT, "roles/aiplatform.user", "train, register and test models"),
    Grant("developers", PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant("developers", PROJECT, "roles/monitoring.viewer", "see dashboards and alerts"),
    Grant("developers", PROJECT, "roles/logging.viewer", "read logs"),
    Grant("developers", DATASET, "roles/bigquery.dataViewer", "read metadata (PII columns stay hidden)"),
    Grant("viewers", PROJECT, "roles/aiplatform.viewer", "see models and endpoints"),
    Grant("viewers", PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant("viewers", PROJECT, "roles/monitoring.viewer", "see dashboards and alerts"),
    Grant("viewers", DATASET, "roles/bigquery.dataViewer", "read usage and quality (PII columns stay hidden)"),
    Grant("sensitive_data_readers", PROJECT, "roles/bigquery.jobUser", "run queries"),
    Grant("sensitive_data_readers", DATASET, "roles/bigquery.dataViewer", "read metadata"),
    Grant("sensitive_data_readers", PII_TAG, "roles/datacatalog.categoryFineGrainedReader",
          "read raw values of PII columns"),
    Grant("consumers", PROJECT, PREDICTOR, "call the team's endpoints (predict + get only)"),
    # automation
    Grant("serving", PROJECT, "roles/logging.logWriter", "model containers write logs"),
    Grant("serving", PROJECT, "roles/monitoring.metricWriter", "model containers write metrics"),
    Grant("serving", IMAGES, "roles/artifactregistry.reader", "pull serving images"),
    Grant("pipeline", PROJECT, "roles/aiplatform.user", "run batch prediction and monitoring jobs"),
    Grant("pipeline", PROJECT, "roles/bigquery.jobUser", "run the quality, usage and drift queries"),
    Grant("pipeline", PROJECT, "roles/logging.logWriter", "write job logs"),
    Grant("pipeline", PROJECT, "roles/monitoring.metricWriter", "publish quality and drift metrics"),
    Grant("pipeline", PROJECT, "roles/workflows.invoker", "Cloud Scheduler starts the batch and quality workflows"),
    Grant("pipeline", DATASET, "roles/bigquery.dataEditor", "write history, usage, quality, drift"),
    Grant("pipeline", PII_TAG, "roles/datacatalog.categoryFineGrainedReader",
          "copy request logs and check PII features for missing values"),
    Grant("deployer", PROJECT, "roles/aiplatform.user", "register and deploy models from CI"),
    Grant("deployer", PROJECT, "roles/logging.logWriter", "write the modelops-audit event of every action"),
    Grant("deployer", SERVING_SA, "roles/iam.serviceAccountUser", "deploy models that run as the serving account"),
    Grant("deployer", PIPELINE_SA, "roles/iam.serviceAccountUser", "schedule jobs that run as the pipeline account"),
    Grant("deployer", IMAGES, "roles/artifactregistry.writer", "push serving images (tags are immutable)"),
)


def short_role(role: str) -> str:
    """`roles/monitoring.viewer` -> `monitoring-viewer`: unique per role, valid in logical ids."""
    return role.rsplit("/", 1)[-1].replace(".", "-").replace(":", "-")


class TeamIam(Construct):
    """Applies TEAM_GRANTS for one team in one environment, plus the custom predictor role."""

    def __init__(self, scope: Construct, id: str, *, project: str, groups: Groups,
                 service_accounts: TeamServiceAccounts, metadata: CmekDataset, pii: PiiTaxonomy,
                 images: ServingImageRepository):
        super().__init__(scope, id)
        self.predictor_role = ProjectIamCustomRole(
            self, "predictor-role",
            project=project,
            role_id=names.PREDICTOR_ROLE,
            title="ModelOps predictor",
            description="Call a model: predict and read the endpoint, nothing else.",
            permissions=list(PREDICTOR_PERMISSIONS),
            stage="GA",
        )
        accounts = {
            SERVING_SA: service_accounts.accounts["serving"].name,
            PIPELINE_SA: service_accounts.accounts["pipeline"].name,
        }
        for grant in TEAM_GRANTS:
            if grant.principal in ACCOUNT_KINDS:
                member = service_accounts.member(grant.principal)
            else:
                group = getattr(groups, grant.principal)
                if group is None:
                    continue  # optional group not configured
                member = f"group:{group}"
            slug = grant.principal.replace("_", "-")
            role = self.predictor_role.name if grant.role == PREDICTOR else grant.role
            if grant.target == PROJECT:
                ProjectIamMember(self, f"{slug}-{short_role(grant.role)}", project=project, role=role, member=member)
            elif grant.target == DATASET:
                metadata.grant(role, member, slug)
            elif grant.target == PII_TAG:
                pii.grant_fine_grained_read(member, slug)
            elif grant.target in accounts:
                ServiceAccountIamMember(self, f"{slug}-on-{grant.target.split()[0]}-{short_role(role)}",
                                        service_account_id=accounts[grant.target], role=role, member=member)
            elif grant.target == IMAGES:
                images_grant = images.grant_write if role.endswith(".writer") else images.grant_read
                images_grant(self, f"{slug}-images-{short_role(role)}", member)
            else:
                raise ValueError(f"unknown grant target {grant.target!r}")
