"""The MLOps programme scorecard: adoption, delivery, value and governance measures computed in BigQuery."""
