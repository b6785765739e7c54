"""The training baseline table PSI compares serving data with (one row per model, feature and bucket).

Written when a model version is registered (bucket shares of its training data); read by the
drift SQL. Small and rewritten per model, so clustered rather than partitioned.
"""
from __future__ import annotations

import json

from cdktn_provider_google.bigquery_table import BigqueryTable
from constructs import Construct

from modules.quality import tables

BQ_TYPES = {"STRING": "STRING", "FLOAT64": "FLOAT", "INT64": "INTEGER", "JSON": "JSON", "TIMESTAMP": "TIMESTAMP",
            "DATE": "DATE"}


def contract_schema(table: str) -> list[dict[str, str]]:
    return [{"name": name, "type": BQ_TYPES[bq_type], "mode": "NULLABLE", "description": meaning}
            for name, bq_type, meaning in tables.CONTRACT[table]]


class FeatureBaselineTable(Construct):
    def __init__(self, scope: Construct, id: str, *, project: str, dataset_id: str, kms_key_id: str,
                 labels: dict[str, str]):
        super().__init__(scope, id)
        self.table = BigqueryTable(
            self, "table",
            project=project,
            dataset_id=dataset_id,
            table_id=tables.FEATURE_BASELINE,
            description="Training distribution per model, feature and bucket: the reference for drift (PSI).",
            schema=json.dumps(contract_schema(tables.FEATURE_BASELINE)),
            clustering=["model", "feature"],
            encryption_configuration={"kms_key_name": kms_key_id},
            deletion_protection=True,
            labels=labels,
        )
