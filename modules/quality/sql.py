"""BigQuery SQL for usage rollups, missing features, drift (PSI) and accuracy, generated per model.

Every daily query takes the named parameter ``@day`` (DATE) and yields rows of its daily table
exactly as modules/metadata_tables.py declares it: a ``Select`` names the columns it fills, and
building one refuses a column the table does not have or a REQUIRED column left unfilled. The
workflow writes it with ``DELETE ... WHERE <day column> = @day AND model = ...; INSERT ...``, so
reruns replace a day instead of duplicating it.

Features are read from prediction_history's JSON text columns (STRING): ``features``, or
``pii_features`` for features marked `pii: true` (that column carries the pii policy tag).
Time filters are ranges on the partitioning column, so queries satisfy
``require_partition_filter`` and prune partitions. Identifiers come from validated config
(model names ``[a-z][a-z0-9-]*``, feature names ``[a-z_][a-z0-9_]*``); literals are quoted
with ``_quote``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from modules.quality import tables

if TYPE_CHECKING:
    from config.model import Model

# Floor for bucket shares in PSI: an empty bucket would make ln(0) undefined.
PSI_EPSILON = 0.0001
# Accuracy uses predictions of the last N days that have ground truth by the evaluation day.
ACCURACY_WINDOW_DAYS = 30
OTHER_BUCKET = "__other__"
# The feature-contract field every online instance, batch input row and streaming event carries
# (docs/monitoring.md, "Feature contract"): the caller's id for the prediction, which ground truth joins on.
REQUEST_ID = "request_id"
NUMERIC_TYPES = ("FLOAT64", "INT64")
# How a feature value is read back from JSON text, by the feature's type in the team file.
JSON_CASTS = {"FLOAT64": "FLOAT64", "INT64": "INT64", "BOOL": "BOOL"}
NOW = "CURRENT_TIMESTAMP()"
# prediction_history.sampling_rate, NULL meaning every prediction was kept.
_SAMPLING = "COALESCE(sampling_rate, 1)"
NEXT_DAY = "TIMESTAMP(DATE_ADD(@day, INTERVAL 1 DAY))"


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    type: str = "FLOAT64"
    pii: bool = False
    drift_threshold: float | None = None

    @property
    def column(self) -> str:
        """The prediction_history column holding this feature (JSON text)."""
        return "pii_features" if self.pii else "features"


@dataclass(frozen=True)
class ModelSpec:
    """What the SQL needs to know about one model (thresholds are the team file's, None = not set)."""

    name: str
    task: Literal["classification", "regression"]
    features: tuple[FeatureSpec, ...]
    max_missing_feature_ratio: float | None = None
    min_accuracy: float | None = None
    max_rmse: float | None = None
    # Share of online requests Vertex logs (`logging.sample_rate`): each request-log row stands for 1/rate.
    sample_rate: float = 1.0


def instance_fields(model: ModelSpec) -> tuple[str, ...]:
    """The feature contract: the fields of every instance a model gets, online or batch (request_id first)."""
    return (REQUEST_ID, *(f.name for f in model.features))


def model_spec(model: Model) -> ModelSpec:
    """The team file's model as the SQL sees it: features (pii or not) and the thresholds it records."""
    mon = model.monitoring
    features = tuple(
        FeatureSpec(f.name, f.type, f.pii, f.drift_threshold if f.drift_threshold is not None else mon.drift_threshold)
        for f in mon.features
    )
    return ModelSpec(
        model.name,
        model.task,
        features,
        max_missing_feature_ratio=mon.max_missing_feature_ratio,
        min_accuracy=mon.min_accuracy,
        max_rmse=mon.max_rmse,
        sample_rate=model.logging.sample_rate,
    )


@dataclass(frozen=True)
class Dataset:
    project: str
    dataset: str

    def table(self, table_id: str) -> str:
        return f"`{self.project}.{self.dataset}.{table_id}`"


@dataclass(frozen=True)
class Select:
    """A query whose rows go into ``table``; ``columns`` are the columns it fills, in table order."""

    table: str
    columns: tuple[str, ...]
    sql: str

    def __str__(self) -> str:
        return self.sql


def select_into(table: str, values: Mapping[str, str], tail: str) -> Select:
    """``SELECT <expr> AS <column>, ... <tail>`` for ``table``; unknown or unfilled REQUIRED columns are refused."""
    known = tables.columns(table)
    unknown = sorted(set(values) - set(known))
    missing = [c for c in tables.required(table) if c not in values]
    if unknown or missing:
        raise ValueError(f"{table}: columns not in the table spec {unknown}, REQUIRED columns not filled {missing}")
    cols = tuple(c for c in known if c in values)
    body = ",\n  ".join(f"{values[c]} AS {c}" for c in cols)
    return Select(table, cols, f"SELECT {body}\n{tail}")


def _union(selects: list[Select]) -> Select:
    assert len({(s.table, s.columns) for s in selects}) == 1, "UNION ALL of different shapes"
    return Select(selects[0].table, selects[0].columns, "\nUNION ALL\n".join(s.sql for s in selects))


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _number(value: float | None) -> str:
    return f"CAST({'NULL' if value is None else repr(float(value))} AS FLOAT64)"


def within_day(column: str, first_day: str = "@day") -> str:
    """``column`` (TIMESTAMP) from the start of ``first_day`` to the end of @day (UTC)."""
    return f"{column} >= TIMESTAMP({first_day}) AND {column} < {NEXT_DAY}"


def _from_json(json_text: str, feature: FeatureSpec) -> str:
    raw = f"JSON_VALUE({json_text}, '$.{feature.name}')"
    cast = JSON_CASTS.get(feature.type)
    return f"SAFE_CAST({raw} AS {cast})" if cast else raw


def _feature_value(feature: FeatureSpec) -> str:
    """A feature of a prediction_history row, numeric features as FLOAT64 (PSI buckets are FLOAT64)."""
    raw = f"JSON_VALUE({feature.column}, '$.{feature.name}')"
    return f"SAFE_CAST({raw} AS FLOAT64)" if feature.type in NUMERIC_TYPES else raw


def features_json(model: ModelSpec, value_of: Callable[[FeatureSpec], str]) -> dict[str, str]:
    """prediction_history's `features` and `pii_features` (JSON text objects keyed by feature name).

    A group without features is left out (the column stays NULL).
    """
    out = {}
    for column in ("features", "pii_features"):
        group = [f for f in model.features if f.column == column]
        if group:
            out[column] = "TO_JSON_STRING(STRUCT(" + ", ".join(f"{value_of(f)} AS {f.name}" for f in group) + "))"
    return out


def _history_of_day(ds: Dataset, model: ModelSpec) -> str:
    return (
        f"FROM {ds.table(tables.PREDICTION_HISTORY)}\n"
        f"WHERE model = {_quote(model.name)} AND {within_day('prediction_time')}"
    )


def usage(ds: Dataset, model: ModelSpec) -> Select:
    """One row per model and day, also on days without traffic (predictions = 0).

    A request-log row stands for 1 / sampling_rate requests (Vertex logs that share of them), so
    `predictions` is the sum of those weights, rounded, and `estimated` says when it was scaled.
    Callers and latency come only from rows that record them: the Vertex request log records
    neither, so for online models they stay NULL instead of reading as zero callers.
    """
    quantile = "APPROX_QUANTILES(latency_ms, 100)[OFFSET({})]"
    return select_into(
        tables.DAILY_USAGE,
        {
            "usage_date": "@day",
            "model": _quote(model.name),
            "predictions": f"CAST(ROUND(COALESCE(SUM(1 / {_SAMPLING}), 0)) AS INT64)",
            "distinct_callers": "IF(COUNT(caller) = 0, NULL, COUNT(DISTINCT caller))",
            "latency_p50_ms": quantile.format(50),
            "latency_p99_ms": quantile.format(99),
            "computed_at": NOW,
            "logged_predictions": "COUNT(*)",
            "estimated": f"COALESCE(MIN({_SAMPLING}) < 1, FALSE)",
        },
        _history_of_day(ds, model),
    )


def missing_features(ds: Dataset, model: ModelSpec) -> Select:
    """Per feature: how many of the day's predictions lacked it (absent key or JSON null)."""
    parts = []
    for feature in model.features:
        is_missing = f"JSON_VALUE({feature.column}, '$.{feature.name}') IS NULL"
        parts.append(
            select_into(
                tables.DATA_QUALITY,
                {
                    "check_date": "@day",
                    "model": _quote(model.name),
                    "feature": _quote(feature.name),
                    "records": "COUNT(*)",
                    "missing": f"COUNTIF({is_missing})",
                    "missing_ratio": f"SAFE_DIVIDE(COUNTIF({is_missing}), COUNT(*))",
                    "threshold": _number(model.max_missing_feature_ratio),
                    "computed_at": NOW,
                },
                _history_of_day(ds, model),
            )
        )
    return _union(parts)


def _psi_feature(ds: Dataset, model: ModelSpec, feature: FeatureSpec) -> Select:
    baseline = (
        f"SELECT bucket, lower_bound, upper_bound, expected_ratio, training_data "
        f"FROM {ds.table(tables.FEATURE_BASELINE)} "
        f"WHERE model = {_quote(model.name)} AND feature = {_quote(feature.name)}"
    )
    value = _feature_value(feature)
    if feature.type in NUMERIC_TYPES:
        observed = f"SELECT {value} AS v {_history_of_day(ds, model)}"
        in_bucket = "(b.lower_bound IS NULL OR o.v >= b.lower_bound) AND (b.upper_bound IS NULL OR o.v < b.upper_bound)"
    else:
        # Categories the training data never saw count towards the `__other__` bucket.
        observed = (
            f"SELECT IF(v IS NULL OR v IN (SELECT bucket FROM baseline), v, {_quote(OTHER_BUCKET)}) AS v "
            f"FROM (SELECT {value} AS v {_history_of_day(ds, model)})"
        )
        in_bucket = "o.v = b.bucket"
    actual = f"GREATEST(SAFE_DIVIDE(c.n, t.n), {PSI_EPSILON})"
    expected = f"GREATEST(c.expected_ratio, {PSI_EPSILON})"
    tail = (
        f"FROM (\n"
        f"  WITH baseline AS ({baseline}),\n"
        f"  observed AS (SELECT v FROM ({observed}) WHERE v IS NOT NULL),\n"
        f"  counts AS (SELECT b.bucket, b.expected_ratio, COUNTIF({in_bucket}) AS n\n"
        f"             FROM baseline AS b CROSS JOIN observed AS o GROUP BY b.bucket, b.expected_ratio),\n"
        f"  total AS (SELECT COUNT(*) AS n FROM observed)\n"
        f"  SELECT SUM(({actual} - {expected}) * LN({actual} / {expected})) AS psi, MAX(t.n) AS n,\n"
        f"    (SELECT MAX(training_data) FROM baseline) AS training_data\n"
        f"  FROM counts AS c CROSS JOIN total AS t\n"
        f")\n"
        f"WHERE psi IS NOT NULL"
    )
    return select_into(
        tables.DRIFT,
        {
            "check_date": "@day",
            "model": _quote(model.name),
            "feature": _quote(feature.name),
            "psi": "psi",
            "records": "n",
            "threshold": _number(feature.drift_threshold),
            "baseline": "training_data",
            "computed_at": NOW,
        },
        tail,
    )


def drift(ds: Dataset, model: ModelSpec) -> Select:
    """PSI = sum over buckets of (actual - expected) * ln(actual / expected), shares floored at PSI_EPSILON.

    A feature with no serving values that day, or no baseline, has no PSI: no row (psi is REQUIRED).
    """
    return _union([_psi_feature(ds, model, f) for f in model.features])


def _labelled(ds: Dataset, model: ModelSpec) -> str:
    history, truth = ds.table(tables.PREDICTION_HISTORY), ds.table(tables.GROUND_TRUTH)
    if model.task == "classification":
        select = "h.predicted_label AS predicted, g.label AS actual"
        not_null = "h.predicted_label IS NOT NULL AND g.label IS NOT NULL"
    else:
        select = "h.predicted_value AS predicted, g.value AS actual"
        not_null = "h.predicted_value IS NOT NULL AND g.value IS NOT NULL"
    window_start = f"DATE_SUB(@day, INTERVAL {ACCURACY_WINDOW_DAYS - 1} DAY)"
    return (
        f"SELECT {select}\n"
        f"  FROM {history} AS h JOIN {truth} AS g ON g.model = h.model AND g.request_id = h.request_id\n"
        f"  WHERE h.model = {_quote(model.name)} AND {not_null}\n"
        f"    AND {within_day('h.prediction_time', window_start)}\n"
        f"    AND g.observed_at < {NEXT_DAY}"
    )


def _quality_threshold(model: ModelSpec) -> str:
    given = [
        (metric, value)
        for metric, value in (("accuracy", model.min_accuracy), ("rmse", model.max_rmse))
        if value is not None
    ]
    if not given:
        return _number(None)
    return "CASE metric " + " ".join(f"WHEN {_quote(m)} THEN {_number(v)}" for m, v in given) + " END"


def accuracy(ds: Dataset, model: ModelSpec) -> Select:
    """Classification: accuracy, macro precision and recall. Regression: MAE, RMSE. Long format.

    A metric without labelled predictions has no value: no row (value is REQUIRED).
    """
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
    tail = (
        f"FROM (\n{body}  SELECT metric, value, (SELECT COUNT(*) FROM labelled) AS n FROM metrics\n)\n"
        f"WHERE value IS NOT NULL"
    )
    return select_into(
        tables.MODEL_QUALITY,
        {
            "evaluation_date": "@day",
            "model": _quote(model.name),
            "metric": "metric",
            "value": "value",
            "threshold": _quality_threshold(model),
            "sample_size": "n",
            "computed_at": NOW,
        },
        tail,
    )


def replace_day(ds: Dataset, model: ModelSpec, select: Select) -> str:
    """A script that replaces one model's rows for @day in a daily table with ``select``'s result."""
    target = ds.table(select.table)
    return (
        f"BEGIN TRANSACTION;\n"
        f"DELETE FROM {target} WHERE {tables.day_column(select.table)} = @day AND model = {_quote(model.name)};\n"
        f"INSERT INTO {target} ({', '.join(select.columns)})\n{select.sql};\n"
        f"COMMIT TRANSACTION;"
    )


# daily table -> query builder; the order the workflow runs them in.
DAILY_QUERIES: dict[str, Callable[[Dataset, ModelSpec], Select]] = {
    tables.DAILY_USAGE: usage,
    tables.DATA_QUALITY: missing_features,
    tables.DRIFT: drift,
    tables.MODEL_QUALITY: accuracy,
}


def prediction_from_json(json_text: str) -> tuple[str, str]:
    """(label, value) SQL for a prediction as JSON: `{"label":..,"value":..}` or a bare scalar."""
    label = f"COALESCE(JSON_VALUE({json_text}, '$.label'), JSON_VALUE({json_text}, '$'))"
    value = f"SAFE_CAST(COALESCE(JSON_VALUE({json_text}, '$.value'), JSON_VALUE({json_text}, '$')) AS FLOAT64)"
    return label, value


def _replace_history(ds: Dataset, model: ModelSpec, select: Select, source: str) -> str:
    """Replace the rows of one model, day and source in prediction_history (reruns do not duplicate)."""
    history = ds.table(tables.PREDICTION_HISTORY)
    return (
        f"DELETE FROM {history} WHERE model = {_quote(model.name)} AND source = {_quote(source)}\n"
        f"  AND {within_day('prediction_time')};\n"
        f"INSERT INTO {history} ({', '.join(select.columns)})\n{select.sql};"
    )


def ingest_request_log(ds: Dataset, model: ModelSpec, log_table: str) -> str:
    """Copy one day of a Vertex request/response log table into prediction_history.

    Vertex writes one row per request with `request_payload` / `response_payload` as arrays of
    JSON strings (one per instance). Instances and predictions are paired by position; each
    instance's features are split into `features` and `pii_features` as the team file marks them.
    `request_id` is the caller's own id from the instance (the feature contract): Vertex's
    `request_id` column is its internal number, which `PredictResponse` never returns to the
    caller, so ground truth could never join on it. Each row records the endpoint's sampling
    rate, so usage can scale the sample back to the requests served. Vertex logs carry neither
    caller nor latency: those columns stay NULL for online models (latency comes from the
    endpoint metrics instead). The raw payloads stay in the log table.
    """
    label, value = prediction_from_json("response_payload[SAFE_OFFSET(i)]")
    select = select_into(
        tables.PREDICTION_HISTORY,
        {
            "prediction_time": "logging_time",
            "model": _quote(model.name),
            "pattern": "'online'",
            "source": "'request_log'",
            "deployed_model_id": "deployed_model_id",
            "request_id": f"JSON_VALUE(instance, '$.{REQUEST_ID}')",
            **features_json(model, lambda f: _from_json("instance", f)),
            "predicted_label": label,
            "predicted_value": value,
            "sampling_rate": _number(model.sample_rate),
        },
        f"FROM {ds.table(log_table)}, UNNEST(request_payload) AS instance WITH OFFSET AS i\n"
        f"WHERE {within_day('logging_time')}",
    )
    return f"BEGIN TRANSACTION;\n{_replace_history(ds, model, select, 'request_log')}\nCOMMIT TRANSACTION;"


def copy_batch_output(ds: Dataset, model: ModelSpec, output_table: str, predictions: str) -> str:
    """A batch job's predictions table (``predictions``, a quoted table) -> the output partition + prediction_history.

    Vertex writes the input columns (features, request_id) plus `prediction` into that table.
    """
    label, value = prediction_from_json("TO_JSON_STRING(p.prediction)")
    out = ds.table(output_table)
    select = select_into(
        tables.PREDICTION_HISTORY,
        {
            "prediction_time": "TIMESTAMP(@day)",
            "model": _quote(model.name),
            "pattern": "'batch'",
            "source": "'batch_output'",
            "request_id": "p.request_id",
            **features_json(model, lambda f: f"p.{f.name}"),
            "predicted_label": label,
            "predicted_value": value,
        },
        f"FROM {predictions} AS p",
    )
    return (
        "BEGIN TRANSACTION;\n"
        f"DELETE FROM {out} WHERE scoring_date = @day;\n"
        f"INSERT INTO {out} (scoring_date, request_id, prediction, scored_at)\n"
        f"SELECT @day, p.request_id, TO_JSON(p.prediction), {NOW} FROM {predictions} AS p;\n"
        f"{_replace_history(ds, model, select, 'batch_output')}\n"
        "COMMIT TRANSACTION;"
    )


def batch_output_rows(ds: Dataset, model: ModelSpec, output_table: str) -> str:
    """Rows in a batch model's output partition for @day: 0 means the expected partition is missing."""
    return (
        f"SELECT {_quote(model.name)} AS model, COUNT(*) AS output_rows "
        f"FROM {ds.table(output_table)} WHERE scoring_date = @day"
    )
