"""Column-level security: a taxonomy with a `pii` policy tag that BigQuery enforces.

``activated_policy_types=FINE_GRAINED_ACCESS_CONTROL`` is what makes the tag enforce anything;
without it a tagged column is readable by every dataset reader.
"""

from __future__ import annotations

from cdktn_provider_google.data_catalog_policy_tag import DataCatalogPolicyTag
from cdktn_provider_google.data_catalog_policy_tag_iam_member import DataCatalogPolicyTagIamMember
from cdktn_provider_google.data_catalog_taxonomy import DataCatalogTaxonomy
from constructs import Construct

from modules.principal import Principal

FINE_GRAINED_READER = "roles/datacatalog.categoryFineGrainedReader"


class PiiTaxonomy(Construct):
    def __init__(self, scope: Construct, id: str, *, display_name: str, project: str, region: str):
        super().__init__(scope, id)
        self.taxonomy = DataCatalogTaxonomy(
            self,
            "taxonomy",
            project=project,
            # deleting it drops the policy tag from every PII column: raw values readable again (MLOPS_DATA_1)
            deletion_policy="PREVENT",
            region=region,
            display_name=display_name,
            description="Columns that can hold personal data; raw values only for fine-grained readers.",
            activated_policy_types=["FINE_GRAINED_ACCESS_CONTROL"],
        )
        self.pii = DataCatalogPolicyTag(
            self,
            "pii",
            taxonomy=self.taxonomy.id,
            deletion_policy="PREVENT",
            display_name="pii",
            description="Personal data: request/response payloads, features marked pii, entity ids, callers.",
        )

    @property
    def pii_tag(self) -> str:
        """Policy tag resource name, as BigQuery schemas reference it."""
        return self.pii.name

    def grant_fine_grained_read(self, principal: Principal) -> DataCatalogPolicyTagIamMember:
        """Raw values of `pii` columns (Fine-Grained Reader on the tag); everyone else reads them masked out."""
        return DataCatalogPolicyTagIamMember(
            self,
            f"{principal.slug}-fine-grained-reader",
            policy_tag=self.pii.name,
            role=FINE_GRAINED_READER,
            member=principal.member,
        )
