"""The team-dataset tables the quality SQL reads and writes: ids and the column contract, in one place.

The six metadata tables (prediction history, daily usage, model quality, data quality, drift,
ground truth) are created by the team stack's metadata module; the SQL only refers to them by
these ids. ``CONTRACT`` lists the columns the generated SQL relies on, so the table schemas and
the SQL can be checked against each other (docs/monitoring.md is generated from it, the DuckDB
tests build their fixtures from it). Columns a table has beyond these are ignored.
"""
from __future__ import annotations

PREDICTION_HISTORY = "prediction_history"
DAILY_USAGE = "daily_usage"
MODEL_QUALITY = "model_quality"
DATA_QUALITY = "data_quality"
DRIFT = "drift"
GROUND_TRUTH = "ground_truth"
# Owned by the quality module: the training distribution each feature is compared with (PSI).
FEATURE_BASELINE = "feature_baseline"

# table -> ((column, BigQuery type, meaning), ...)
CONTRACT: dict[str, tuple[tuple[str, str, str], ...]] = {
    PREDICTION_HISTORY: (
        ("model", "STRING", "model name from the team YAML"),
        ("request_id", "STRING", "unique per prediction; joins with ground_truth"),
        ("prediction_time", "TIMESTAMP", "when the prediction was served (partitioning column)"),
        ("caller", "STRING", "principal or client id that asked (NULL when the serving path does not know)"),
        ("latency_ms", "FLOAT64", "serving latency (NULL when the serving path does not measure it)"),
        ("features", "JSON", "the instance: an object keyed by feature name"),
        ("predicted_label", "STRING", "classification output"),
        ("predicted_value", "FLOAT64", "regression output (or the score of a classifier)"),
    ),
    GROUND_TRUTH: (
        ("model", "STRING", "model name"),
        ("request_id", "STRING", "the prediction this label belongs to"),
        ("actual_label", "STRING", "true class (classification)"),
        ("actual_value", "FLOAT64", "true value (regression)"),
        ("observed_time", "TIMESTAMP", "when the truth became known"),
    ),
    FEATURE_BASELINE: (
        ("model", "STRING", "model name"),
        ("feature", "STRING", "feature name"),
        ("bucket", "STRING", "bucket label; for categorical features the category itself, `__other__` for unseen ones"),
        ("lower_bound", "FLOAT64", "numeric bucket: inclusive lower bound (NULL = open)"),
        ("upper_bound", "FLOAT64", "numeric bucket: exclusive upper bound (NULL = open)"),
        ("expected_ratio", "FLOAT64", "share of training rows in this bucket (sums to 1 per feature)"),
    ),
    DAILY_USAGE: (
        ("day", "DATE", "the day rolled up (partitioning column)"),
        ("model", "STRING", "model name"),
        ("predictions", "INT64", "predictions served that day"),
        ("distinct_callers", "INT64", "distinct callers that day"),
        ("latency_p50_ms", "FLOAT64", "median latency"),
        ("latency_p95_ms", "FLOAT64", "95th percentile latency"),
        ("latency_p99_ms", "FLOAT64", "99th percentile latency"),
    ),
    DATA_QUALITY: (
        ("day", "DATE", "the day checked (partitioning column)"),
        ("model", "STRING", "model name"),
        ("feature", "STRING", "feature name"),
        ("rows_checked", "INT64", "predictions that day"),
        ("missing", "INT64", "predictions whose feature was absent or null"),
        ("missing_ratio", "FLOAT64", "missing / rows_checked (NULL without traffic)"),
    ),
    DRIFT: (
        ("day", "DATE", "the day checked (partitioning column)"),
        ("model", "STRING", "model name"),
        ("feature", "STRING", "feature name"),
        ("psi", "FLOAT64", "population stability index of that day's serving data vs the training baseline"),
        ("rows_checked", "INT64", "non-null serving values compared"),
    ),
    MODEL_QUALITY: (
        ("day", "DATE", "the evaluation day (partitioning column)"),
        ("model", "STRING", "model name"),
        ("task", "STRING", "classification or regression"),
        ("metric", "STRING", "accuracy, precision, recall (macro) | mae, rmse"),
        ("value", "FLOAT64", "metric value"),
        ("labelled_rows", "INT64", "predictions with ground truth in the evaluation window"),
    ),
}

# Tables the quality workflow writes (one DELETE+INSERT per day and model, so reruns are idempotent).
DAILY_TABLES = (DAILY_USAGE, DATA_QUALITY, DRIFT, MODEL_QUALITY)


def columns(table: str) -> tuple[str, ...]:
    return tuple(name for name, _, _ in CONTRACT[table])


CONTRACT_BEGIN = "<!-- BEGIN COLUMN CONTRACT (generated from modules/quality/tables.py) -->"
CONTRACT_END = "<!-- END COLUMN CONTRACT -->"


def contract_markdown() -> str:
    """The column contract as markdown tables, for docs/monitoring.md."""
    parts = []
    for table, cols in CONTRACT.items():
        rows = "\n".join(f"| `{name}` | {bq_type} | {meaning} |" for name, bq_type, meaning in cols)
        parts.append(f"#### `{table}`\n\n| Column | Type | Meaning |\n|---|---|---|\n{rows}\n")
    return "\n".join(parts)


def with_contract(doc: str) -> str:
    """``doc`` with the text between the contract markers replaced by the current contract."""
    head, _, rest = doc.partition(CONTRACT_BEGIN)
    _, _, tail = rest.partition(CONTRACT_END)
    return f"{head}{CONTRACT_BEGIN}\n{contract_markdown()}{CONTRACT_END}{tail}"
