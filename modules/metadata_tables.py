"""Explicit schemas of the team metadata tables and the platform governance tables.

Pure data: the jobs and CLI commands that write or query these tables import the specs from
here, so a column is named in one place. Every table of a team metadata dataset is declared
here and created by ``CmekDataset.add_table``: the six team tables, the training baseline the
drift SQL compares with, and the per-model tables of the batch and streaming patterns (whose
feature columns follow the team file, `pii: true` ones carrying the pii policy tag). Design (docs/architecture.md, "Prediction history"):
online endpoints log requests into Vertex-created tables ``request_log_<model>`` (Vertex needs
the table *not* to exist); ``prediction_history`` is the consolidated, audited history that
batch outputs and the streaming archive write into and the daily quality job copies online
logs into.
"""

from __future__ import annotations

from config import names
from config.model import Model, Team
from config.patterns import HistorySource
from modules.bigquery_tables import Column, TableSpec

DEFAULT_RETENTION_DAYS = 365

_MODEL = Column("model", "STRING", "Model name from the team file.", "REQUIRED")
_VERSION = Column("model_version", "STRING", "Model Registry version id.")
_COMPUTED = Column("computed_at", "TIMESTAMP", "When the job wrote this row.", "REQUIRED")


def retention_days(team: Team) -> int:
    """The longest `logging.retention_days` of the team's models: no model's history expires early."""
    return max((m.logging.retention_days for m in team.models), default=DEFAULT_RETENTION_DAYS)


PREDICTION_HISTORY_COLUMNS = (
    Column("prediction_time", "TIMESTAMP", "When the prediction was served or computed.", "REQUIRED"),
    _MODEL,
    _VERSION,
    Column("pattern", "STRING", "online, batch or streaming.", "REQUIRED"),
    Column(
        "source",
        "STRING",
        f"Where the row came from: {HistorySource.REQUEST_LOG.value} (the daily copy of a Vertex request log), "
        f"{HistorySource.JOB_OUTPUT.value} (a batch job's output), {HistorySource.SCORER.value} (the streaming "
        f"scorer) or {HistorySource.SERVING_CONTAINER.value} (a model's own container on the cluster).",
    ),
    Column("endpoint_id", "STRING", "Vertex endpoint id (online)."),
    Column("deployed_model_id", "STRING", "Vertex deployed model id (online)."),
    Column(
        "request_id",
        "STRING",
        "The caller's request id (`request_id` of the instance, input row or event; "
        "docs/monitoring.md, feature contract); joins ground truth.",
    ),
    Column("caller", "STRING", "Principal that called the model (an email, so personal data).", pii=True),
    Column("entity_id", "STRING", "Business entity scored (customer, card, session).", pii=True),
    Column("features", "STRING", "Input features not marked pii, as a JSON object."),
    Column("pii_features", "STRING", "Input features marked `pii: true` in the team file, as a JSON object.", pii=True),
    Column("request_payload", "STRING", "Raw request as logged by Vertex AI.", "REPEATED", pii=True),
    Column("response_payload", "STRING", "Raw response as logged by Vertex AI.", "REPEATED", pii=True),
    Column("predicted_label", "STRING", "Predicted class (classification)."),
    Column("predicted_value", "FLOAT64", "Score or regression value."),
    Column(
        "latency_ms",
        "FLOAT64",
        "Serving latency in milliseconds, when the writer measured it (the Vertex request log has none).",
    ),
    # Added after the first release: new columns go last and stay NULLABLE (an in-place schema update).
    Column(
        "sampling_rate",
        "FLOAT64",
        "Share of predictions the row's source kept: the endpoint's logging.sample_rate "
        "for request-log rows (each stands for 1 / sampling_rate predictions); NULL "
        "means every prediction is kept (batch, streaming).",
    ),
    Column(
        "event_time",
        "TIMESTAMP",
        "Streaming: the event's own `event_time` (the topic schema's field), when the producer says it happened; "
        "NULL for other patterns.",
    ),
)

DAILY_USAGE_COLUMNS = (
    Column("usage_date", "DATE", "Day of use (UTC).", "REQUIRED"),
    _MODEL,
    _VERSION,
    Column(
        "predictions",
        "INT64",
        "Predictions served; estimated from the sampled request log when "
        "`estimated` (online models logging less than every request).",
        "REQUIRED",
    ),
    Column("errors", "INT64", "Failed prediction requests."),
    Column(
        "distinct_callers",
        "INT64",
        "Distinct calling principals among the history rows that record one; "
        "NULL when none does (the Vertex request log has no caller).",
    ),
    Column(
        "latency_p50_ms",
        "FLOAT64",
        "Median latency of the rows that record one; NULL when none does (online "
        "latency is the endpoint's prediction_latencies metric).",
    ),
    Column("latency_p99_ms", "FLOAT64", "99th percentile latency, likewise."),
    _COMPUTED,
    # Added after the first release: new columns go last and stay NULLABLE (an in-place schema update).
    Column("logged_predictions", "INT64", "prediction_history rows the day's numbers come from."),
    Column(
        "estimated",
        "BOOL",
        "True when `predictions` is scaled up from a sampled request log "
        "(logged_predictions / sampling_rate), not counted.",
    ),
)

MODEL_QUALITY_COLUMNS = (
    Column("evaluation_date", "DATE", "Day the predictions were made.", "REQUIRED"),
    _MODEL,
    _VERSION,
    Column("metric", "STRING", "accuracy, rmse, ...", "REQUIRED"),
    Column("value", "FLOAT64", "Metric value.", "REQUIRED"),
    Column("threshold", "FLOAT64", "Threshold from the team file."),
    Column("sample_size", "INT64", "Predictions joined with ground truth."),
    _COMPUTED,
)

DATA_QUALITY_COLUMNS = (
    Column("check_date", "DATE", "Day of the checked predictions.", "REQUIRED"),
    _MODEL,
    _VERSION,
    Column("feature", "STRING", "Feature name.", "REQUIRED"),
    Column("records", "INT64", "Records checked.", "REQUIRED"),
    Column("missing", "INT64", "Records where the feature was null or absent.", "REQUIRED"),
    Column("missing_ratio", "FLOAT64", "missing / records."),
    Column("threshold", "FLOAT64", "max_missing_feature_ratio from the team file."),
    _COMPUTED,
)

DRIFT_COLUMNS = (
    Column("check_date", "DATE", "Day of the compared predictions.", "REQUIRED"),
    _MODEL,
    _VERSION,
    Column("feature", "STRING", "Feature name.", "REQUIRED"),
    Column("psi", "FLOAT64", "Population stability index against the training baseline.", "REQUIRED"),
    Column("records", "INT64", "Non-null serving values compared with the baseline."),
    Column("threshold", "FLOAT64", "drift_threshold from the team file."),
    Column("baseline", "STRING", "Training data the baseline came from (URI)."),
    _COMPUTED,
)

GROUND_TRUTH_COLUMNS = (
    Column("observed_at", "TIMESTAMP", "When the true outcome became known.", "REQUIRED"),
    _MODEL,
    Column("request_id", "STRING", "Request the outcome belongs to."),
    Column("entity_id", "STRING", "Business entity (customer, card, session).", pii=True),
    Column("label", "STRING", "True class (classification)."),
    Column("value", "FLOAT64", "True value (regression)."),
    Column("source", "STRING", "System that reported the outcome."),
    Column("ingested_at", "TIMESTAMP", "When the row was loaded.", "REQUIRED"),
)


def team_tables(team: Team) -> tuple[TableSpec, ...]:
    """The six tables of a team metadata dataset; partitions expire after the team's longest retention."""
    return team_table_specs(retention_days(team))


def team_table_specs(expiration_days: int | None) -> tuple[TableSpec, ...]:
    """The six team tables with the given partition expiration (the columns do not depend on the team)."""
    spec = lambda name, description, field, columns, clustering=("model", "model_version"): TableSpec(
        name, description, field, columns, clustering, expiration_days
    )
    return (
        spec(
            names.PREDICTION_HISTORY_TABLE,
            "Consolidated, audited prediction history of every model.",
            "prediction_time",
            PREDICTION_HISTORY_COLUMNS,
        ),
        spec(
            names.DAILY_USAGE_TABLE,
            "Predictions, callers and latency per model and day.",
            "usage_date",
            DAILY_USAGE_COLUMNS,
        ),
        spec(
            names.MODEL_QUALITY_TABLE,
            "Statistical accuracy per model and day (joined with ground truth).",
            "evaluation_date",
            MODEL_QUALITY_COLUMNS,
        ),
        spec(
            names.DATA_QUALITY_TABLE,
            "Missing-feature ratio per model, feature and day.",
            "check_date",
            DATA_QUALITY_COLUMNS,
        ),
        spec(
            names.DRIFT_TABLE,
            "Feature drift (PSI vs training baseline) per model, feature and day.",
            "check_date",
            DRIFT_COLUMNS,
        ),
        spec(
            names.GROUND_TRUTH_TABLE,
            "True outcomes for past predictions.",
            "observed_at",
            GROUND_TRUTH_COLUMNS,
            ("model",),
        ),
    )


FEATURE_BASELINE_COLUMNS = (
    Column("computed_at", "TIMESTAMP", "When the baseline was computed (at registration).", "REQUIRED"),
    _MODEL,
    _VERSION,
    Column("feature", "STRING", "Feature name.", "REQUIRED"),
    Column(
        "bucket",
        "STRING",
        "Bucket label; for categorical features the category itself, `__other__` for categories training never saw.",
        "REQUIRED",
    ),
    Column("lower_bound", "FLOAT64", "Numeric bucket: inclusive lower bound (NULL = open)."),
    Column("upper_bound", "FLOAT64", "Numeric bucket: exclusive upper bound (NULL = open)."),
    Column("expected_ratio", "FLOAT64", "Share of training rows in this bucket (sums to 1 per feature).", "REQUIRED"),
    Column("training_data", "STRING", "URI of the training data the shares come from."),
)


def feature_baseline() -> TableSpec:
    """Training distribution per model, feature and bucket: the reference the drift SQL compares with.

    Rewritten per model when a version is registered, so it is kept forever (the champion's
    baseline may be older than any retention) and read without a partition filter (the drift SQL
    reads a model's whole, small baseline).
    """
    return TableSpec(
        names.FEATURE_BASELINE_TABLE,
        "Training distribution per model, feature and bucket: the reference for drift (PSI).",
        "computed_at",
        FEATURE_BASELINE_COLUMNS,
        ("model", "feature"),
        expiration_days=None,
        require_partition_filter=False,
    )


def _feature_columns(model: Model) -> tuple[Column, ...]:
    return tuple(
        Column(
            f.name, f.type, "Personal data (`pii: true` in the team file)." if f.pii else "Model feature.", pii=f.pii
        )
        for f in model.monitoring.features
    )


def batch_input(model: Model) -> TableSpec:
    """Rows a batch model scores, one partition per scoring day, written by the team's pipelines."""
    columns = (
        Column("scoring_date", "DATE", "Day to score (partition).", "REQUIRED"),
        Column("request_id", "STRING", "Row id, echoed to the output.", "REQUIRED"),
        *_feature_columns(model),
    )
    return TableSpec(
        names.batch_input_table(model.name),
        "Rows to score, one partition per scoring day (written by the team's pipelines).",
        "scoring_date",
        columns,
        ("request_id",),
        model.logging.retention_days,
    )


def batch_output(model: Model) -> TableSpec:
    """A batch model's predictions, one partition per scoring day (replaced by reruns)."""
    columns = (
        Column("scoring_date", "DATE", "Day scored (partition).", "REQUIRED"),
        Column("request_id", "STRING", "Row id from the input table.", "REQUIRED"),
        Column("prediction", "JSON", "Model output as returned by Vertex AI."),
        Column("scored_at", "TIMESTAMP", "When the run wrote the row.", "REQUIRED"),
    )
    return TableSpec(
        names.batch_output_table(model.name),
        "Predictions, one partition per scoring day (replaced by reruns).",
        "scoring_date",
        columns,
        ("request_id",),
        model.logging.retention_days,
    )


def stream_archive(model: Model) -> TableSpec:
    """Every event of a streaming model as published: the topic schema's columns plus Pub/Sub metadata."""
    columns = (
        Column("request_id", "STRING", "Event id; joins ground truth.", "REQUIRED"),
        Column("event_time", "TIMESTAMP", "When the event happened.", "REQUIRED"),
        *_feature_columns(model),
        # Written by the BigQuery subscription (`write_metadata`).
        Column("subscription_name", "STRING", "Subscription that wrote the row."),
        Column("message_id", "STRING", "Pub/Sub message id."),
        Column("publish_time", "TIMESTAMP", "When the event was published (partition)."),
        Column("attributes", "JSON", "Pub/Sub message attributes."),
    )
    return TableSpec(
        names.stream_archive_table(model.name),
        f"Every {model.name} event as published (BigQuery subscription archive).",
        "publish_time",
        columns,
        ("request_id",),
        model.logging.retention_days,
    )


TEAM_TABLE_COLUMNS = dict(
    zip(
        names.TEAM_TABLES,
        (
            PREDICTION_HISTORY_COLUMNS,
            DAILY_USAGE_COLUMNS,
            MODEL_QUALITY_COLUMNS,
            DATA_QUALITY_COLUMNS,
            DRIFT_COLUMNS,
            GROUND_TRUTH_COLUMNS,
        ),
        strict=True,
    )
)

MODEL_EVENTS = (
    Column("event_time", "TIMESTAMP", "When the action happened.", "REQUIRED"),
    Column("event", "STRING", "registered, deployed, promoted, rolled_back, ...", "REQUIRED"),
    Column("team", "STRING", "Team name.", "REQUIRED"),
    Column("env", "STRING", "Environment."),
    _MODEL,
    _VERSION,
    Column("actor", "STRING", "Principal that ran the command (CI deployer or a person)."),
    Column("endpoint_id", "STRING", "Vertex endpoint id, for deployments."),
    Column("traffic_percent", "INT64", "Traffic the version received."),
    Column("train_code_sha", "STRING", "Git SHA of the training code."),
    Column("serve_code_sha", "STRING", "Git SHA of the prediction code."),
    Column("training_data", "STRING", "URI of the training data."),
    Column("deps_sha", "STRING", "Hash of the dependency lockfile."),
    Column("details", "JSON", "Everything else the command recorded."),
)

POLICY_EXCEPTIONS = (
    Column("recorded_at", "TIMESTAMP", "When the gate saw the suppression.", "REQUIRED"),
    Column("team", "STRING", "Team whose file holds the suppression.", "REQUIRED"),
    Column("rule", "STRING", "Suppressed rule id.", "REQUIRED"),
    Column("resource", "STRING", "Suppressed resource (construct path).", "REQUIRED"),
    Column("reason", "STRING", "Why, as written in the team file.", "REQUIRED"),
    Column("approved_by", "STRING", "Approver.", "REQUIRED"),
    Column("expires", "DATE", "Expiry date.", "REQUIRED"),
    Column("source", "STRING", "file:line of the suppression."),
    Column("commit_sha", "STRING", "Commit the gate ran on."),
)


def governance_tables() -> tuple[TableSpec, ...]:
    """Audit records are kept forever (no partition expiration)."""
    return (
        TableSpec(
            "model_events",
            "Every model lifecycle action (register, deploy, promote, rollback).",
            "event_time",
            MODEL_EVENTS,
            ("team", "model"),
        ),
        TableSpec(
            "policy_exceptions",
            "Every approved suppression of a governance rule, as seen by the gate.",
            "recorded_at",
            POLICY_EXCEPTIONS,
            ("team", "rule"),
        ),
    )
