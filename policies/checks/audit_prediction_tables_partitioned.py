"""MLOPS_AUDIT_4: prediction-history tables are partitioned with an expiration."""

from __future__ import annotations

import re

from policies.rulebase import ResourceRule, attr

# Tables holding prediction history, by id: <model>_predictions, prediction_history,
# request_response_logging, <model>_scores, <model>_events_archive.
PREDICTION_TABLE = re.compile(r"(prediction|request_response|scores?($|_)|archive)")


class PredictionTablesPartitioned(ResourceRule):
    id = "MLOPS_AUDIT_4"
    title = "Prediction-history tables partitioned by time with an expiration"
    why = "Partitions keep audit queries cheap and the expiration enforces the retention the team declared (`logging.retention_days`)."
    capability = "governance: historical predictions kept for audit"
    fix = "Set time_partitioning { type, expiration_ms } from the model's logging.retention_days (the pattern constructs do)."
    severity = "MEDIUM"
    model_field = ("logging", "retention_days")
    supported = ("google_bigquery_table",)

    def problems(self, conf):
        table_id = attr(conf, "table_id")
        if not isinstance(table_id, str) or not PREDICTION_TABLE.search(table_id):
            return []
        partitioning = attr(conf, "time_partitioning")
        if not isinstance(partitioning, dict):
            return [f"table {table_id} is not time-partitioned"]
        expiration = attr(partitioning, "expiration_ms")
        if not expiration or (isinstance(expiration, (int, float)) and expiration <= 0):
            return [f"table {table_id} partitions never expire (time_partitioning.expiration_ms unset)"]
        return []


check = PredictionTablesPartitioned()
