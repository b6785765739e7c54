"""Sensitive Data Protection: one shared PII inspect template, and discovery of team datasets.

The platform owns the template (one list of info types for every team); each team stack runs
discovery over its own metadata dataset with it and exports data profiles (which columns hold
which info types, at what sensitivity) into the governance dataset.
"""
from __future__ import annotations

from cdktn_provider_google.data_loss_prevention_discovery_config import (
    DataLossPreventionDiscoveryConfig, DataLossPreventionDiscoveryConfigActions,
    DataLossPreventionDiscoveryConfigTargets,
    DataLossPreventionDiscoveryConfigTargetsBigQueryTargetFilterTablesIncludeRegexesPatterns,
)
from cdktn_provider_google.data_loss_prevention_inspect_template import (
    DataLossPreventionInspectTemplate, DataLossPreventionInspectTemplateInspectConfigInfoTypes,
)
from cdktn_provider_google.project_iam_member import ProjectIamMember
from constructs import Construct

from modules.metadata_dataset import CmekDataset
from stacks import names

# Regional info types only (LOCATION and ORGANIZATION_NAME exist only in `global`).
PII_INFO_TYPES = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "IP_ADDRESS", "MAC_ADDRESS",
    "PERSON_NAME", "FIRST_NAME", "LAST_NAME", "DATE_OF_BIRTH", "AGE", "GENDER",
    "CREDIT_CARD_NUMBER", "IBAN_CODE", "PASSPORT", "US_SOCIAL_SECURITY_NUMBER",
    "GCP_CREDENTIALS", "AUTH_TOKEN", "MEDICAL_RECORD_NUMBER",
)
TEMPLATE_READER = "roles/dlp.inspectTemplatesReader"
PROFILES_DRIVER = "roles/dlp.projectdriver"


class PiiInspectTemplate(Construct):
    """What counts as PII for the whole platform. Findings never include the matched text."""

    def __init__(self, scope: Construct, id: str, *, project: str, location: str):
        super().__init__(scope, id)
        self.project = project
        self.template = DataLossPreventionInspectTemplate(
            self, "template",
            parent=f"projects/{project}/locations/{location}",
            template_id=names.INSPECT_TEMPLATE,
            display_name="ModelOps PII",
            description="Personal data info types scanned in every team's metadata dataset.",
            inspect_config={
                "info_types": [DataLossPreventionInspectTemplateInspectConfigInfoTypes(name=t) for t in PII_INFO_TYPES],
                "min_likelihood": "POSSIBLE",
                "include_quote": False,
            },
        )

    @property
    def name(self) -> str:
        """`projects/P/locations/L/inspectTemplates/T`, as discovery configs reference it."""
        return self.template.name

    def grant_use(self, scope: Construct, id: str, member: str) -> ProjectIamMember:
        """Let another project's DLP agent read the template (granted from the caller's stack)."""
        return ProjectIamMember(scope, id, project=self.project, role=TEMPLATE_READER, member=member)


class DatasetPiiDiscovery(Construct):
    """Profile every table of one dataset with the shared template; export profiles to governance.

    Also covers the Vertex-created `request_log_<model>` tables, which cannot carry policy tags.
    """

    def __init__(self, scope: Construct, id: str, *, team: str, project: str, project_number: str, location: str,
                 dataset: CmekDataset, template: PiiInspectTemplate, governance: CmekDataset):
        super().__init__(scope, id)
        agent = names.service_agent("dlp", project_number)
        self.grants = [
            ProjectIamMember(self, "agent-profiles-driver", project=project, role=PROFILES_DRIVER, member=agent),
            template.grant_use(self, "agent-template-reader", agent),
            governance.grant_write_from(self, "agent-governance-writer", agent),
        ]
        self.config = DataLossPreventionDiscoveryConfig(
            self, "discovery",
            parent=f"projects/{project}/locations/{location}",
            location=location,
            display_name=names.discovery_config_name(team),
            status="RUNNING",
            inspect_templates=[template.name],
            targets=[DataLossPreventionDiscoveryConfigTargets(
                big_query_target={
                    "filter": {"tables": {"include_regexes": {"patterns": [
                        DataLossPreventionDiscoveryConfigTargetsBigQueryTargetFilterTablesIncludeRegexesPatterns(
                            project_id_regex=f"^{project}$",
                            dataset_id_regex=f"^{dataset.name}$",
                            table_id_regex=".*",
                        )]}}},
                    "cadence": {
                        "refresh_frequency": "UPDATE_FREQUENCY_DAILY",
                        "schema_modified_cadence": {"types": ["SCHEMA_NEW_COLUMNS"],
                                                    "frequency": "UPDATE_FREQUENCY_DAILY"},
                        "table_modified_cadence": {"types": ["TABLE_MODIFIED_TIMESTAMP"],
                                                   "frequency": "UPDATE_FREQUENCY_DAILY"},
                    },
                },
            )],
            actions=[DataLossPreventionDiscoveryConfigActions(export_data={"profile_table": {
                "project_id": governance.project,
                "dataset_id": governance.name,
                "table_id": names.DLP_PROFILE_TABLE,
            }})],
            depends_on=self.grants,
        )
