"""The generated BigQuery SQL, transpiled to DuckDB and run on fixtures whose answers are worked out by hand."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math

import pytest

from modules.quality import sql, tables
from tests.quality.duck import DS, VERTEX_REQUEST_LOG, Duck, history_row

DAY = datetime.date(2026, 3, 10)
TS = datetime.datetime(2026, 3, 10, 12, 0)
YESTERDAY_TS = datetime.datetime(2026, 3, 9, 12, 0)

# `country` is marked pii: the SQL must read it from `pii_features`, the others from `features`.
CLASSIFIER = sql.ModelSpec(
    "pay-scorer",
    "classification",
    (
        sql.FeatureSpec("amount", drift_threshold=0.2),
        sql.FeatureSpec("country", "STRING", pii=True, drift_threshold=0.3),
    ),
    max_missing_feature_ratio=0.05,
    min_accuracy=0.9,
)
REGRESSOR = sql.ModelSpec("refund-forecast", "regression", (sql.FeatureSpec("volume"),), max_rmse=25)
MODELS = {m.name: m for m in (CLASSIFIER, REGRESSOR)}


def history(model: str, request_id: str, features: dict, when=TS, **extra) -> dict:
    return history_row(
        MODELS.get(model, sql.ModelSpec(model, "classification", ())), request_id, features, when, **extra
    )


@pytest.fixture
def duck() -> Duck:
    return Duck()


def test_missing_feature_ratio_counts_absent_keys_and_json_nulls(duck):
    duck.insert(
        tables.PREDICTION_HISTORY,
        [
            history("pay-scorer", "1", {"amount": 1.0, "country": "NL"}),
            history("pay-scorer", "2", {"amount": None, "country": "NL"}),
            history("pay-scorer", "3", {"country": "DE"}),
            history("pay-scorer", "4", {"amount": 20.0}),
            history("pay-scorer", "5", {}, when=YESTERDAY_TS),  # another day: not counted
            history("other-model", "6", {}),  # another model: not counted
        ],
    )
    rows = {r["feature"]: r for r in duck.run(sql.missing_features(DS, CLASSIFIER), DAY)}
    assert (rows["amount"]["records"], rows["amount"]["missing"]) == (4, 2)
    assert rows["amount"]["missing_ratio"] == pytest.approx(0.5)
    assert rows["country"]["missing_ratio"] == pytest.approx(0.25)  # read from pii_features
    assert all(r["check_date"] == DAY and r["model"] == "pay-scorer" for r in rows.values())
    assert {r["threshold"] for r in rows.values()} == {0.05}  # max_missing_feature_ratio


def test_missing_feature_ratio_is_null_without_traffic(duck):
    rows = duck.run(sql.missing_features(DS, CLASSIFIER), DAY)
    assert [r["missing_ratio"] for r in rows] == [None, None]


def _baseline(model, feature, bucket, lower, upper, ratio):
    return {
        "computed_at": YESTERDAY_TS,
        "model": model,
        "feature": feature,
        "bucket": bucket,
        "lower_bound": lower,
        "upper_bound": upper,
        "expected_ratio": ratio,
        "training_data": "gs://orbit/train.csv",
    }


def test_psi_matches_the_hand_computed_value_for_numeric_and_categorical_features(duck):
    duck.insert(
        tables.FEATURE_BASELINE,
        [
            _baseline("pay-scorer", "amount", "low", None, 10.0, 0.5),
            _baseline("pay-scorer", "amount", "high", 10.0, None, 0.5),
            _baseline("pay-scorer", "country", "NL", None, None, 0.6),
            _baseline("pay-scorer", "country", "DE", None, None, 0.3),
            _baseline("pay-scorer", "country", "__other__", None, None, 0.1),
        ],
    )
    amounts = [1, 2, 3, 4, 5, 9.99, 10, 50]  # 6 low, 2 high (10 is the high bucket's inclusive bound)
    countries = ["NL", "NL", "DE", "FR", None, None, None, None]  # FR was never seen in training -> __other__
    duck.insert(
        tables.PREDICTION_HISTORY,
        [
            history("pay-scorer", str(i), {"amount": a, "country": c})
            for i, (a, c) in enumerate(zip(amounts, countries, strict=True))
        ],
    )
    rows = {r["feature"]: r for r in duck.run(sql.drift(DS, CLASSIFIER), DAY)}
    # (0.75-0.5)*ln(0.75/0.5) + (0.25-0.5)*ln(0.25/0.5)
    assert rows["amount"]["psi"] == pytest.approx(0.25 * math.log(1.5) + 0.25 * math.log(2), rel=1e-9)
    assert rows["amount"]["psi"] == pytest.approx(0.274653, abs=1e-6)
    assert rows["amount"]["records"] == 8
    assert (rows["amount"]["threshold"], rows["country"]["threshold"]) == (0.2, 0.3)
    assert rows["amount"]["baseline"] == "gs://orbit/train.csv"
    # actual NL .5, DE .25, other .25 vs expected .6, .3, .1
    expected = (-0.1) * math.log(0.5 / 0.6) + (-0.05) * math.log(0.25 / 0.3) + 0.15 * math.log(0.25 / 0.1)
    assert rows["country"]["psi"] == pytest.approx(expected, rel=1e-9)
    assert rows["country"]["psi"] == pytest.approx(0.164792, abs=1e-6)
    assert rows["country"]["records"] == 4


def test_psi_is_zero_when_serving_matches_training_and_floors_empty_buckets(duck):
    duck.insert(
        tables.FEATURE_BASELINE,
        [
            _baseline("pay-scorer", "amount", "low", None, 10.0, 0.5),
            _baseline("pay-scorer", "amount", "high", 10.0, None, 0.5),
        ],
    )
    duck.insert(
        tables.PREDICTION_HISTORY,
        [history("pay-scorer", "1", {"amount": 1}), history("pay-scorer", "2", {"amount": 11})],
    )
    assert duck.run(sql.drift(DS, CLASSIFIER), DAY)[0]["psi"] == pytest.approx(0.0)
    duck.con.execute("DELETE FROM p.d.prediction_history")
    duck.insert(tables.PREDICTION_HISTORY, [history("pay-scorer", "1", {"amount": 1})])
    eps = sql.PSI_EPSILON
    expected = (1 - 0.5) * math.log(1 / 0.5) + (eps - 0.5) * math.log(eps / 0.5)
    assert duck.run(sql.drift(DS, CLASSIFIER), DAY)[0]["psi"] == pytest.approx(expected, rel=1e-9)


def _truth(model, request_id, observed=TS, **values):
    return {"observed_at": observed, "model": model, "request_id": request_id, "ingested_at": observed, **values}


def test_classification_accuracy_and_macro_precision_recall_match_hand_computed_values(duck):
    pairs = [("1", "1"), ("1", "0"), ("0", "0"), ("0", "0"), ("1", "1"), ("2", "2"), ("2", "0")]
    duck.insert(
        tables.PREDICTION_HISTORY,
        [history("pay-scorer", f"r{i}", {}, predicted_label=p) for i, (p, _) in enumerate(pairs)]
        + [
            history("pay-scorer", "no-truth", {}, predicted_label="1"),
            history("pay-scorer", "too-old", {}, when=datetime.datetime(2026, 1, 1), predicted_label="1"),
            history("pay-scorer", "late-truth", {}, predicted_label="1"),
        ],
    )
    duck.insert(
        tables.GROUND_TRUTH,
        [_truth("pay-scorer", f"r{i}", label=a) for i, (_, a) in enumerate(pairs)]
        + [
            _truth("pay-scorer", "too-old", label="0"),
            _truth("pay-scorer", "late-truth", observed=datetime.datetime(2026, 3, 12), label="0"),
        ],
    )
    rows = {r["metric"]: r for r in duck.run(sql.accuracy(DS, CLASSIFIER), DAY)}
    assert rows["accuracy"]["value"] == pytest.approx(5 / 7)
    # per class P: 1 -> 2/3, 0 -> 2/2, 2 -> 1/2 ; R: 1 -> 2/2, 0 -> 2/4, 2 -> 1/1
    assert rows["precision"]["value"] == pytest.approx((2 / 3 + 1 + 0.5) / 3)
    assert rows["recall"]["value"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert {r["sample_size"] for r in rows.values()} == {7}
    assert set(rows) == {"accuracy", "precision", "recall"}  # the classification metrics, nothing else
    assert {m: r["threshold"] for m, r in rows.items()} == {"accuracy": 0.9, "precision": None, "recall": None}
    assert {r["evaluation_date"] for r in rows.values()} == {DAY}


def test_regression_mae_and_rmse_match_hand_computed_values(duck):
    pairs = [(10.0, 12.0), (5.0, 5.0), (3.0, 0.0)]
    duck.insert(
        tables.PREDICTION_HISTORY,
        [history("refund-forecast", f"r{i}", {}, predicted_value=p) for i, (p, _) in enumerate(pairs)],
    )
    duck.insert(tables.GROUND_TRUTH, [_truth("refund-forecast", f"r{i}", value=a) for i, (_, a) in enumerate(pairs)])
    result = duck.run(sql.accuracy(DS, REGRESSOR), DAY)
    rows = {r["metric"]: r["value"] for r in result}
    assert rows == pytest.approx({"mae": 5 / 3, "rmse": math.sqrt(13 / 3)})
    assert {r["metric"]: r["threshold"] for r in result} == {"mae": None, "rmse": 25.0}  # max_rmse


def test_metrics_without_labelled_predictions_write_no_rows(duck):
    duck.insert(tables.PREDICTION_HISTORY, [history("pay-scorer", "1", {}, predicted_label="1")])
    assert duck.run(sql.accuracy(DS, CLASSIFIER), DAY) == []  # `value` is REQUIRED: no NULL rows


def test_usage_rollup_counts_predictions_callers_and_latency_percentiles(duck):
    duck.insert(
        tables.PREDICTION_HISTORY,
        [
            history("pay-scorer", str(i), {}, caller=("a" if i < 6 else "b" if i < 9 else None), latency_ms=float(ms))
            for i, ms in enumerate(range(10, 110, 10))
        ],
    )
    [row] = duck.run(sql.usage(DS, CLASSIFIER), DAY)
    assert (row["predictions"], row["distinct_callers"]) == (10, 2)
    assert row["latency_p50_ms"] == pytest.approx(55, abs=10)
    assert row["latency_p99_ms"] == pytest.approx(100, abs=10)
    assert row["latency_p50_ms"] <= row["latency_p99_ms"]
    assert row["usage_date"] == DAY and row["computed_at"] is not None


def test_usage_rollup_reports_zero_predictions_on_a_day_without_traffic(duck):
    [row] = duck.run(sql.usage(DS, CLASSIFIER), DAY)
    assert row["predictions"] == 0 and row["model"] == "pay-scorer"
    assert (row["logged_predictions"], row["estimated"], row["distinct_callers"]) == (0, False, None)


def _except_computed_at(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "computed_at"} for r in rows]


@pytest.mark.parametrize("table", tables.DAILY_TABLES)
def test_writing_a_day_twice_replaces_it_instead_of_duplicating(duck, table):
    duck.insert(
        tables.PREDICTION_HISTORY,
        [history("pay-scorer", "1", {"amount": 1.0, "country": "NL"}, caller="a", latency_ms=5.0, predicted_label="1")],
    )
    duck.insert(tables.GROUND_TRUTH, [_truth("pay-scorer", "1", label="1")])
    duck.insert(tables.FEATURE_BASELINE, [_baseline("pay-scorer", "amount", "all", None, None, 1.0)])
    select = sql.DAILY_QUERIES[table](DS, CLASSIFIER)
    assert select.table == table
    script = sql.replace_day(DS, CLASSIFIER, select)
    duck.run(script, DAY)  # REQUIRED columns are NOT NULL here: an unfilled one fails the insert
    first = duck.rows(table)
    duck.run(script, DAY)
    second = duck.rows(table)
    assert _except_computed_at(second) == _except_computed_at(first) and first
    assert min(r["computed_at"] for r in second) >= max(r["computed_at"] for r in first)  # rewritten, not kept
    written = {c for row in first for c, v in row.items() if v is not None}
    assert set(tables.required(table)) <= written


def test_request_log_ingest_pairs_predictions_and_keeps_pii_features_in_pii_features(duck):
    duck.create_columns("request_log_x", VERTEX_REQUEST_LOG)
    duck.insert(
        "request_log_x",
        [
            {
                "logging_time": TS,
                "request_id": 7,
                "deployed_model_id": "dm1",
                "request_payload": [
                    json.dumps({"request_id": "tx-1", "amount": 5, "country": "NL", "undeclared": 1}),
                    json.dumps({"request_id": "tx-2", "amount": None}),
                ],
                "response_payload": [json.dumps({"label": "1", "value": 0.9}), json.dumps("0")],
            },
            {
                "logging_time": YESTERDAY_TS,
                "request_id": 8,
                "deployed_model_id": "dm1",
                "request_payload": [json.dumps({"request_id": "tx-0", "amount": 1})],
                "response_payload": [json.dumps("1")],
            },
        ],
    )
    script = sql.ingest_request_log(DS, CLASSIFIER, "request_log_x")
    duck.run(script, DAY)
    duck.run(script, DAY)  # a rerun replaces the day's rows
    rows = sorted(duck.rows(tables.PREDICTION_HISTORY), key=lambda r: r["predicted_label"], reverse=True)
    # The caller's id from each instance, not Vertex's internal request number (7).
    assert [r["request_id"] for r in rows] == ["tx-1", "tx-2"]
    first, second = rows
    assert json.loads(first["features"]) == {"amount": 5.0}  # declared, not pii; nothing undeclared
    assert json.loads(first["pii_features"]) == {"country": "NL"}  # pii: only in the tagged column
    assert (first["predicted_label"], first["predicted_value"]) == ("1", 0.9)
    assert json.loads(second["features"]) == {"amount": None} and json.loads(second["pii_features"]) == {
        "country": None
    }
    assert (second["predicted_label"], second["predicted_value"]) == ("0", 0.0)
    assert {(r["pattern"], r["source"], r["deployed_model_id"]) for r in rows} == {("online", "request_log", "dm1")}
    missing = {r["feature"]: r["missing"] for r in duck.run(sql.missing_features(DS, CLASSIFIER), DAY)}
    assert missing == {"amount": 1, "country": 1}


def _log_rows(n: int, *, request_ids=None) -> list[dict]:
    """Vertex request-log rows of DAY, one instance each (the contract's request_id when given)."""
    ids = request_ids or [None] * n
    return [
        {
            "logging_time": TS,
            "request_id": 100 + i,
            "deployed_model_id": "dm1",
            "request_payload": [json.dumps({**({"request_id": rid} if rid else {}), "amount": 1.0})],
            "response_payload": [json.dumps({"label": "1"})],
        }
        for i, rid in enumerate(ids)
    ]


def test_online_accuracy_joins_ground_truth_on_the_callers_request_id(duck):
    duck.create_columns("request_log_x", VERTEX_REQUEST_LOG)
    duck.insert("request_log_x", _log_rows(3, request_ids=["tx-1", "tx-2", "tx-3"]))
    duck.run(sql.ingest_request_log(DS, CLASSIFIER, "request_log_x"), DAY)
    # Ground truth arrives later from the business system, keyed by the id the caller sent.
    duck.insert(
        tables.GROUND_TRUTH,
        [
            _truth("pay-scorer", "tx-1", label="1"),
            _truth("pay-scorer", "tx-2", label="1"),
            _truth("pay-scorer", "tx-3", label="0"),
        ],
    )
    rows = {r["metric"]: r for r in duck.run(sql.accuracy(DS, CLASSIFIER), DAY)}
    assert rows["accuracy"]["value"] == pytest.approx(2 / 3) and rows["accuracy"]["sample_size"] == 3


def test_usage_of_a_sampled_request_log_is_scaled_and_marked_estimated_and_invents_no_callers(duck):
    half = dataclasses.replace(CLASSIFIER, sample_rate=0.5)
    duck.create_columns("request_log_x", VERTEX_REQUEST_LOG)
    duck.insert("request_log_x", _log_rows(3))
    duck.run(sql.ingest_request_log(DS, half, "request_log_x"), DAY)
    [row] = duck.run(sql.usage(DS, half), DAY)
    assert (row["predictions"], row["logged_predictions"], row["estimated"]) == (6, 3, True)
    # The request log has no caller and no latency column: unknown, not zero.
    assert (row["distinct_callers"], row["latency_p50_ms"], row["latency_p99_ms"]) == (None, None, None)


def test_usage_of_a_complete_history_is_counted_not_estimated(duck):
    duck.insert(
        tables.PREDICTION_HISTORY,
        [history("pay-scorer", str(i), {}, pattern="batch", source="batch_output") for i in range(4)],
    )
    [row] = duck.run(sql.usage(DS, CLASSIFIER), DAY)
    assert (row["predictions"], row["logged_predictions"], row["estimated"]) == (4, 4, False)


def test_batch_copy_writes_the_output_partition_and_history_with_pii_features_apart(duck):
    duck.create(
        "batch_output_x",
        [("scoring_date", "DATE"), ("request_id", "STRING"), ("prediction", "JSON"), ("scored_at", "TIMESTAMP")],
    )
    duck.create(
        "predictions_x",
        [("request_id", "STRING"), ("amount", "FLOAT64"), ("country", "STRING"), ("prediction", "JSON")],
    )
    duck.insert(
        "predictions_x",
        [
            {"request_id": "a", "amount": 3.0, "country": "NL", "prediction": '{"label": "1"}'},
            {"request_id": "b", "amount": None, "country": None, "prediction": '"0"'},
        ],
    )
    script = sql.copy_batch_output(DS, CLASSIFIER, "batch_output_x", "`p.d.predictions_x`")
    duck.run(script, DAY)
    duck.run(script, DAY)
    assert sorted(r["request_id"] for r in duck.rows("batch_output_x")) == ["a", "b"]
    history = {r["request_id"]: r for r in duck.rows(tables.PREDICTION_HISTORY)}
    assert set(history) == {"a", "b"}
    assert json.loads(history["a"]["features"]) == {"amount": 3.0}
    assert json.loads(history["a"]["pii_features"]) == {"country": "NL"}
    assert (history["a"]["predicted_label"], history["b"]["predicted_label"]) == ("1", "0")
    assert {(r["pattern"], r["source"], r["prediction_time"]) for r in history.values()} == {
        ("batch", "batch_output", datetime.datetime(2026, 3, 10))
    }


def test_batch_output_rows_is_zero_when_the_partition_is_missing(duck):
    duck.create("batch_output_x", [("scoring_date", "DATE"), ("request_id", "STRING")])
    query = sql.batch_output_rows(DS, REGRESSOR, "batch_output_x")
    assert duck.run(query, DAY) == [{"model": "refund-forecast", "output_rows": 0}]
    duck.insert("batch_output_x", [{"scoring_date": DAY, "request_id": "a"}, {"scoring_date": DAY, "request_id": "b"}])
    assert duck.run(query, DAY)[0]["output_rows"] == 2


def test_every_generated_statement_parses_as_bigquery():
    import sqlglot

    for model in (CLASSIFIER, REGRESSOR):
        for build in sql.DAILY_QUERIES.values():
            for statement in sqlglot.parse(sql.replace_day(DS, model, build(DS, model)), read="bigquery"):
                assert statement is not None
        sqlglot.parse(sql.ingest_request_log(DS, model, "request_log_x"), read="bigquery")
