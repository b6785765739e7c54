"""MLOPS_DATA_1: data-holding resources are protected from deletion."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr

NEEDS_PREVENT = (
    "google_bigquery_dataset",
    "google_kms_crypto_key",
    "google_logging_project_bucket_config",
    "google_artifact_registry_repository",
    "google_storage_bucket",
    # messages not yet scored and held dead letters (every argument: provider 8.7.0 schema, deletion_policy)
    "google_pubsub_topic",
    "google_pubsub_subscription",
    # the PII policy tag: deleting it removes column-level protection from every tagged column
    "google_data_catalog_taxonomy",
    "google_data_catalog_policy_tag",
)
NEEDS_PROTECTION = ("google_bigquery_table", "google_container_cluster")  # deletion_protection defaults to true


class DeletionProtection(ResourceRule):
    id = "MLOPS_DATA_1"
    title = "Deletion protection on data-holding resources (deletion_policy PREVENT / deletion_protection)"
    why = (
        "Prediction history and keys cannot be recreated; a rename or a bad plan must fail instead of destroying them."
    )
    capability = "governance: historical predictions kept for audit"
    fix = 'Keep the construct defaults: deletion_policy = "PREVENT" (datasets, keys, log buckets, repositories, buckets, Pub/Sub topics and subscriptions, the PII taxonomy and tag), deletion_protection = true (tables, clusters).'
    severity = "HIGH"
    supported = NEEDS_PREVENT + NEEDS_PROTECTION

    def problems(self, conf):
        if self.entity_type in NEEDS_PROTECTION:
            return ["deletion_protection is false"] if attr(conf, "deletion_protection") is False else []
        policy = attr(conf, "deletion_policy")
        return [] if policy == "PREVENT" else [f"deletion_policy is {policy or 'unset (DELETE)'}, not PREVENT"]


check = DeletionProtection()
