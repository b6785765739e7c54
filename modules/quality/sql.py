"""BigQuery SQL for usage rollups, missing features, drift (PSI) and accuracy, generated per model.

Every query takes the named parameter ``@day`` (DATE) and returns exactly the columns of its
daily table (modules/quality/tables.py), so the workflow can write it with
``DELETE ... WHERE day = @day AND model = ...; INSERT ...`` and reruns replace a day instead of
duplicating it. Identifiers come from validated config (model and feature names match
``[a-z][a-z0-9_-]*``), literals are quoted with ``_quote``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from modules.quality import tables

# Floor for bucket shares in PSI: an empty bucket would make ln(0) undefined.
PSI_EPSILON = 0.0001
# Accuracy uses predictions of the last N days that have ground truth by the evaluation day.
ACCURACY_WINDOW_DAYS = 30
OTHER_BUCKET = "__other__"
NUMERIC_TYPES = ("FLOAT64", "INT64")


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    type: str = "FLOAT64"


@dataclass(frozen=True)
class ModelSpec:
    """What the SQL needs to know about one model."""

    name: str
    task: Literal["classification", "regression"]
    features: tuple[FeatureSpec, ...]


@dataclass(frozen=True)
class Dataset:
    project: str
    dataset: str

    def table(self, table_id: str) -> str:
        return f"`{self.project}.{self.dataset}.{table_id}`"


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _feature_value(feature: FeatureSpec, column: str = "features") -> str:
    raw = f"JSON_VALUE({column}, '$.{feature.name}')"
    return f"SAFE_CAST({raw} AS FLOAT64)" if feature.type in NUMERIC_TYPES else raw


def _history_of_day(ds: Dataset, model: ModelSpec) -> str:
    return (f"FROM {ds.table(tables.PREDICTION_HISTORY)}\n"
            f"WHERE model = {_quote(model.name)} AND DATE(prediction_time) = @day")


def usage(ds: Dataset, model: ModelSpec) -> str:
    """One row per model and day, also on days without traffic (predictions = 0)."""
    quantile = "APPROX_QUANTILES(latency_ms, 100)[OFFSET({})]"
    return (
        f"SELECT @day AS day, {_quote(model.name)} AS model, COUNT(*) AS predictions,\n"
        f"  COUNT(DISTINCT caller) AS distinct_callers,\n"
        f"  {quantile.format(50)} AS latency_p50_ms,\n"
        f"  {quantile.format(95)} AS latency_p95_ms,\n"
        f"  {quantile.format(99)} AS latency_p99_ms\n"
        f"{_history_of_day(ds, model)}"
    )


def missing_features(ds: Dataset, model: ModelSpec) -> str:
    """Per feature: how many of the day's predictions lacked it (absent key or JSON null)."""
    parts = []
    for feature in model.features:
        is_missing = f"JSON_VALUE(features, '$.{feature.name}') IS NULL"
        parts.append(
            f"SELECT @day AS day, {_quote(model.name)} AS model, {_quote(feature.name)} AS feature,\n"
            f"  COUNT(*) AS rows_checked, COUNTIF({is_missing}) AS missing,\n"
            f"  SAFE_DIVIDE(COUNTIF({is_missing}), COUNT(*)) AS missing_ratio\n"
            f"{_history_of_day(ds, model)}"
        )
    return "\nUNION ALL\n".join(parts)


def _psi_feature(ds: Dataset, model: ModelSpec, feature: FeatureSpec) -> str:
    baseline = (f"SELECT bucket, lower_bound, upper_bound, expected_ratio FROM {ds.table(tables.FEATURE_BASELINE)} "
                f"WHERE model = {_quote(model.name)} AND feature = {_quote(feature.name)}")
    value = _feature_value(feature)
    if feature.type in NUMERIC_TYPES:
        observed = f"SELECT {value} AS v {_history_of_day(ds, model)}"
        in_bucket = ("(b.lower_bound IS NULL OR o.v >= b.lower_bound) "
                     "AND (b.upper_bound IS NULL OR o.v < b.upper_bound)")
    else:
        # Categories the training data never saw count towards the `__other__` bucket.
        observed = (f"SELECT IF(v IS NULL OR v IN (SELECT bucket FROM baseline), v, {_quote(OTHER_BUCKET)}) AS v "
                    f"FROM (SELECT {value} AS v {_history_of_day(ds, model)})")
        in_bucket = "o.v = b.bucket"
    actual = f"GREATEST(SAFE_DIVIDE(c.n, t.n), {PSI_EPSILON})"
    expected = f"GREATEST(c.expected_ratio, {PSI_EPSILON})"
    return (
        f"SELECT @day AS day, {_quote(model.name)} AS model, {_quote(feature.name)} AS feature, psi, rows_checked FROM (\n"
        f"  WITH baseline AS ({baseline}),\n"
        f"  observed AS (SELECT v FROM ({observed}) WHERE v IS NOT NULL),\n"
        f"  counts AS (SELECT b.bucket, b.expected_ratio, COUNTIF({in_bucket}) AS n\n"
        f"             FROM baseline AS b CROSS JOIN observed AS o GROUP BY b.bucket, b.expected_ratio),\n"
        f"  total AS (SELECT COUNT(*) AS n FROM observed)\n"
        f"  SELECT SUM(({actual} - {expected}) * LN({actual} / {expected})) AS psi, MAX(t.n) AS rows_checked\n"
        f"  FROM counts AS c CROSS JOIN total AS t\n"
        f")"
    )


def drift(ds: Dataset, model: ModelSpec) -> str:
    """PSI = sum over buckets of (actual - expected) * ln(actual / expected), shares floored at PSI_EPSILON.

    A feature with no serving values that day, or no baseline, yields psi = NULL (nothing published).
    """
    return "\nUNION ALL\n".join(_psi_feature(ds, model, f) for f in model.features)


def _labelled(ds: Dataset, model: ModelSpec) -> str:
    history, truth = ds.table(tables.PREDICTION_HISTORY), ds.table(tables.GROUND_TRUTH)
    if model.task == "classification":
        select = "h.predicted_label AS predicted, g.actual_label AS actual"
        not_null = "h.predicted_label IS NOT NULL AND g.actual_label IS NOT NULL"
    else:
        select = "h.predicted_value AS predicted, g.actual_value AS actual"
        not_null = "h.predicted_value IS NOT NULL AND g.actual_value IS NOT NULL"
    return (
        f"SELECT {select}\n"
        f"  FROM {history} AS h JOIN {truth} AS g ON g.model = h.model AND g.request_id = h.request_id\n"
        f"  WHERE h.model = {_quote(model.name)} AND {not_null}\n"
        f"    AND DATE(h.prediction_time) BETWEEN DATE_SUB(@day, INTERVAL {ACCURACY_WINDOW_DAYS - 1} DAY) AND @day\n"
        f"    AND DATE(g.observed_time) <= @day"
    )


def accuracy(ds: Dataset, model: ModelSpec) -> str:
    """Classification: accuracy, macro precision and recall. Regression: MAE, RMSE. Long format."""
    head = f"SELECT @day AS day, {_quote(model.name)} AS model, {_quote(model.task)} AS task, metric, value, labelled_rows FROM ("
    if model.task == "classification":
        body = (
            f"  WITH labelled AS ({_labelled(ds, model)}),\n"
            f"  classes AS (SELECT predicted AS label FROM labelled UNION DISTINCT SELECT actual FROM labelled),\n"
            f"  per_class AS (SELECT c.label, COUNTIF(l.predicted = c.label AND l.actual = c.label) AS tp,\n"
            f"                  COUNTIF(l.predicted = c.label) AS predicted_n, COUNTIF(l.actual = c.label) AS actual_n\n"
            f"                FROM classes AS c CROSS JOIN labelled AS l GROUP BY c.label),\n"
            f"  metrics AS (\n"
            f"    SELECT 'accuracy' AS metric, (SELECT SAFE_DIVIDE(COUNTIF(predicted = actual), COUNT(*)) FROM labelled) AS value\n"
            f"    UNION ALL SELECT 'precision', (SELECT AVG(SAFE_DIVIDE(tp, predicted_n)) FROM per_class WHERE predicted_n > 0)\n"
            f"    UNION ALL SELECT 'recall', (SELECT AVG(SAFE_DIVIDE(tp, actual_n)) FROM per_class WHERE actual_n > 0))\n"
        )
    else:
        body = (
            f"  WITH labelled AS ({_labelled(ds, model)}),\n"
            f"  metrics AS (\n"
            f"    SELECT 'mae' AS metric, (SELECT AVG(ABS(predicted - actual)) FROM labelled) AS value\n"
            f"    UNION ALL SELECT 'rmse', (SELECT SQRT(AVG(POW(predicted - actual, 2))) FROM labelled))\n"
        )
    return f"{head}\n{body}  SELECT metric, value, (SELECT COUNT(*) FROM labelled) AS labelled_rows FROM metrics\n)"


def replace_day(ds: Dataset, table_id: str, model: ModelSpec, select: str) -> str:
    """A script that replaces one model's rows for @day in a daily table with ``select``'s result."""
    cols = ", ".join(tables.columns(table_id))
    target = ds.table(table_id)
    return (
        f"BEGIN TRANSACTION;\n"
        f"DELETE FROM {target} WHERE day = @day AND model = {_quote(model.name)};\n"
        f"INSERT INTO {target} ({cols})\n{select};\n"
        f"COMMIT TRANSACTION;"
    )


# daily table -> query builder; the order the workflow runs them in.
DAILY_QUERIES = {
    tables.DAILY_USAGE: usage,
    tables.DATA_QUALITY: missing_features,
    tables.DRIFT: drift,
    tables.MODEL_QUALITY: accuracy,
}


def prediction_from_json(column: str) -> tuple[str, str]:
    """(label, value) SQL for a prediction stored as JSON: `{"label":..,"value":..}` or a bare scalar."""
    label = f"COALESCE(JSON_VALUE({column}, '$.label'), JSON_VALUE({column}, '$'))"
    value = f"SAFE_CAST(COALESCE(JSON_VALUE({column}, '$.value'), JSON_VALUE({column}, '$')) AS FLOAT64)"
    return label, value


def ingest_request_log(ds: Dataset, model: ModelSpec, log_table: str) -> str:
    """Copy one day of a Vertex request/response log table into prediction_history.

    Vertex writes one row per request with `request_payload` / `response_payload` as arrays of
    JSON strings (one per instance). Instances and predictions are paired by position. Vertex logs
    carry neither caller nor latency: those columns stay NULL for online models (latency comes
    from the endpoint metrics instead).
    """
    label, value = prediction_from_json("PARSE_JSON(response_payload[SAFE_OFFSET(i)])")
    history = ds.table(tables.PREDICTION_HISTORY)
    cols = ", ".join(tables.columns(tables.PREDICTION_HISTORY))
    return (
        f"BEGIN TRANSACTION;\n"
        f"DELETE FROM {history} WHERE model = {_quote(model.name)} AND DATE(prediction_time) = @day;\n"
        f"INSERT INTO {history} ({cols})\n"
        f"SELECT {_quote(model.name)}, CONCAT(CAST(request_id AS STRING), '-', CAST(i AS STRING)), logging_time,\n"
        f"  CAST(NULL AS STRING), CAST(NULL AS FLOAT64), PARSE_JSON(instance), {label}, {value}\n"
        f"FROM {ds.table(log_table)}, UNNEST(request_payload) AS instance WITH OFFSET AS i\n"
        f"WHERE DATE(logging_time) = @day;\n"
        f"COMMIT TRANSACTION;"
    )


def batch_output_rows(ds: Dataset, model: ModelSpec, output_table: str) -> str:
    """Rows in a batch model's output partition for @day: 0 means the expected partition is missing."""
    return (f"SELECT {_quote(model.name)} AS model, COUNT(*) AS output_rows "
            f"FROM {ds.table(output_table)} WHERE scoring_date = @day")
