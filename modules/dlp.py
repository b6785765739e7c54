"""Sensitive Data Protection: one shared PII inspect template, and discovery of team datasets.

The platform owns the template (one list of info types for every team); each team stack runs
discovery over its own metadata dataset with it and exports data profiles (which columns hold
which info types, at what sensitivity) into the governance dataset.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from cdktn_provider_google.data_loss_prevention_discovery_config import (
    DataLossPreventionDiscoveryConfig,
    DataLossPreventionDiscoveryConfigActions,
    DataLossPreventionDiscoveryConfigTargets,
    DataLossPreventionDiscoveryConfigTargetsBigQueryTargetFilterTablesIncludeRegexesPatterns,
)
from cdktn_provider_google.data_loss_prevention_inspect_template import (
    DataLossPreventionInspectTemplate,
    DataLossPreventionInspectTemplateInspectConfigInfoTypes,
)
from cdktn_provider_google.project_iam_member import ProjectIamMember
from constructs import Construct

from config import names
from modules.column_security import PiiTaxonomy
from modules.metadata_dataset import CmekDataset
from modules.principal import Principal

# Every name must be a built-in infoType confirmed in Google's reference: data/dlp_infotypes.yaml records
# where and when each was read, whether it is global-only and whether it is in Preview.
PII_INFO_TYPES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "PERSON_NAME",
    "FIRST_NAME",
    "LAST_NAME",
    "DATE_OF_BIRTH",
    "AGE",
    "GENDER",
    "CREDIT_CARD_NUMBER",
    "PASSPORT",
    "GCP_CREDENTIALS",
    "AUTH_TOKEN",
    "MEDICAL_ID",
)
INFOTYPES_FILE = Path(__file__).resolve().parent / "data" / "dlp_infotypes.yaml"
# Predefined roles (catalog: https://cloud.google.com/iam/docs/roles-permissions/dlp). The team project's DLP
# service agent reads the platform's template (DLP Inspect Templates Reader, granted on the platform project)
# and profiles its own project (DLP Project Data Profiles Driver, granted on the team project); the provider's
# discovery-config acceptance test grants roles/dlp.projectdriver to service-N@dlp-api the same way
# (resource_data_loss_prevention_discovery_config_test.go:1197-1201, provider commit e03b7622a2).
TEMPLATE_READER = "roles/dlp.inspectTemplatesReader"
PROFILES_DRIVER = "roles/dlp.projectdriver"


@cache
def verified_info_types() -> dict:
    """The checked infoType evidence: `info_types` (name -> url, read_on, availability, stage, evidence)
    and `global_only` (names the reference lists as available only in `global`)."""
    return yaml.safe_load(INFOTYPES_FILE.read_text())


def unusable_info_types(names: tuple[str, ...], location: str) -> list[str]:
    """Why each of `names` may not go into a template in `location` (empty when all are fine)."""
    data = verified_info_types()
    entries, global_only = data["info_types"], set(data["global_only"]["info_types"])
    problems = []
    for name in names:
        entry = entries.get(name)
        if entry is None:
            problems.append(f"{name}: not confirmed in Google's infoType reference (add it to {INFOTYPES_FILE.name})")
        elif location != "global" and (name in global_only or entry["availability"] == "global-only"):
            problems.append(f"{name}: available only in the global location, the template is in {location}")
    return problems


class PiiInspectTemplate(Construct):
    """What counts as PII for the whole platform. Findings never include the matched text."""

    def __init__(self, scope: Construct, id: str, *, project: str, location: str):
        super().__init__(scope, id)
        problems = unusable_info_types(PII_INFO_TYPES, location)
        if problems:
            raise ValueError("PII inspect template: " + "; ".join(problems))
        self.project = project
        self.template = DataLossPreventionInspectTemplate(
            self,
            "template",
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
    def resource_name(self) -> str:
        """`projects/P/locations/L/inspectTemplates/T`: the template's resource name, which discovery needs.

        DiscoveryConfig.inspectTemplates[] takes template names, at most one per region
        (https://cloud.google.com/dlp/docs/reference/rest/v2/projects.locations.discoveryConfigs); an
        InspectTemplate's name is the full path `projects/PROJECT_ID/.../inspectTemplates/TEMPLATE_ID`
        (https://cloud.google.com/dlp/docs/reference/rest/v2/projects.locations.inspectTemplates). The
        provider's `name` attribute is only the short id T (`flattenDataLossPreventionInspectTemplateName`
        returns `GetResourceNameFromSelfLink(v)`, resource_data_loss_prevention_inspect_template.go:1286-1291);
        its `id` is `{{parent}}/inspectTemplates/{{name}}` (same file :961 on create, :1277 on import), read at
        provider commit e03b7622a2 (the 8.0.0 merge, not the 8.7.0 tag). The provider's discovery-config
        tests pass the full path too (resource_data_loss_prevention_discovery_config_test.go:565).
        """
        return self.template.id

    def grant_use(
        self, principal: Principal, *, scope: Construct | None = None, id: str | None = None
    ) -> ProjectIamMember:
        """Let another project's DLP agent read the template (inspect templates take no IAM of their own,
        so the grant is on the platform project). ``scope`` (default: this template) decides which stack holds
        the grant, ``id`` (default `<slug>-template-reader`) its logical id there."""
        return ProjectIamMember(
            scope or self,
            id or f"{principal.slug}-template-reader",
            project=self.project,
            role=TEMPLATE_READER,
            member=principal.member,
        )


class DatasetPiiDiscovery(Construct):
    """Profile every table of one dataset with the shared template; export profiles to governance.

    Also covers the Vertex-created `request_log_<model>` tables, which cannot carry policy tags.
    The agent's grants on the platform project (template reader, governance writer) are made by the
    platform stack (modules/team_platform_access.py); here only the team-project ones: the profiles
    driver role, and Fine-Grained Reader on the `pii` policy tag, without which profiling a table with a
    tagged column fails ("The service agent doesn't have permission to read an access-controlled column",
    https://cloud.google.com/dlp/docs/troubleshoot-data-profiles).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        team: str,
        project: str,
        project_number: str,
        location: str,
        dataset: CmekDataset,
        template: PiiInspectTemplate,
        governance: CmekDataset,
        pii: PiiTaxonomy,
    ):
        super().__init__(scope, id)
        agent = Principal.service_agent("dlp", names.service_agent("dlp", project_number))
        self.grants = [
            ProjectIamMember(self, "agent-profiles-driver", project=project, role=PROFILES_DRIVER, member=agent.member),
            pii.grant_fine_grained_read(agent),
        ]
        self.config = DataLossPreventionDiscoveryConfig(
            self,
            "discovery",
            parent=f"projects/{project}/locations/{location}",
            location=location,
            display_name=names.discovery_config_name(team),
            status="RUNNING",
            inspect_templates=[template.resource_name],
            targets=[
                DataLossPreventionDiscoveryConfigTargets(
                    big_query_target={
                        "filter": {
                            "tables": {
                                "include_regexes": {
                                    "patterns": [
                                        DataLossPreventionDiscoveryConfigTargetsBigQueryTargetFilterTablesIncludeRegexesPatterns(
                                            project_id_regex=f"^{project}$",
                                            dataset_id_regex=f"^{dataset.name}$",
                                            table_id_regex=".*",
                                        )
                                    ]
                                }
                            }
                        },
                        "cadence": {
                            "refresh_frequency": "UPDATE_FREQUENCY_DAILY",
                            "schema_modified_cadence": {
                                "types": ["SCHEMA_NEW_COLUMNS"],
                                "frequency": "UPDATE_FREQUENCY_DAILY",
                            },
                            "table_modified_cadence": {
                                "types": ["TABLE_MODIFIED_TIMESTAMP"],
                                "frequency": "UPDATE_FREQUENCY_DAILY",
                            },
                        },
                    },
                )
            ],
            actions=[
                DataLossPreventionDiscoveryConfigActions(
                    export_data={
                        "profile_table": {
                            "project_id": governance.project,
                            "dataset_id": governance.name,
                            "table_id": names.DLP_PROFILE_TABLE,
                        }
                    }
                )
            ],
            depends_on=self.grants,
        )
