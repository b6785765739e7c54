"""Table specs, derived names and the optional consumers group."""

from __future__ import annotations

import dataclasses
import json

import pytest

from config import names
from config.names import TEAM_TABLES
from modules.bigquery_tables import Column, TableSpec, schema_json
from modules.metadata_tables import DEFAULT_RETENTION_DAYS, retention_days, team_tables


def test_a_pii_column_without_a_policy_tag_is_refused():
    spec = TableSpec("t", "d", "ts", (Column("ts", "TIMESTAMP", "x"), Column("email", "STRING", "x", pii=True)))
    with pytest.raises(ValueError, match="column email holds personal data"):
        schema_json(spec, None)
    assert json.loads(schema_json(spec, "tag"))[1]["policyTags"] == {"names": ["tag"]}


def test_team_tables_are_the_six_named_tables_partitioned_on_a_column_they_have(org_config):
    specs = team_tables(org_config.team("reach"))
    assert tuple(s.name for s in specs) == TEAM_TABLES
    for spec in specs:
        assert spec.column(spec.partition_field).mode == "REQUIRED"
        assert set(spec.clustering) <= {c.name for c in spec.columns}
        assert spec.expiration_days == 400


def test_retention_defaults_when_a_team_has_no_models(org_config):
    team = dataclasses.replace(org_config.team("scout"), models=())
    assert retention_days(team) == DEFAULT_RETENTION_DAYS


def test_request_log_table_names_are_valid_bigquery_ids():
    assert names.request_log_table("pay-scorer") == "request_log_pay_scorer"
    assert names.DATASET_ID.match(names.request_log_table("offer-ranker"))


def test_consumers_group_gets_only_the_predictor_role(org_copy):
    import cdktn

    from config.loader import load_config
    from stacks.platform import PlatformStack
    from stacks.team import TeamStack

    team_file = org_copy / "teams" / "scout.yaml"
    text = team_file.read_text()
    team_file.write_text(
        text.replace(
            "  sensitive_data_readers: scout-pii-readers@orbit.example\n",
            "  sensitive_data_readers: scout-pii-readers@orbit.example\n  consumers: storefront-callers@orbit.example\n",
        )
    )
    config = load_config(org_copy)
    app = cdktn.Testing.app()
    platform = PlatformStack(app, config.platform, "dev")
    stack = json.loads(cdktn.Testing.synth(TeamStack(app, config.team("scout"), "dev", platform)))
    grants = [
        g
        for t, items in stack["resource"].items()
        if t.endswith("_iam_member")
        for g in items.values()
        if g["member"] == "group:storefront-callers@orbit.example"
    ]
    assert len(grants) == 1
    assert grants[0]["role"].startswith("${google_project_iam_custom_role.iam_predictor-role_")
    assert any(
        k.startswith("iam_consumers-custom-modelopsPredictor") for k in stack["resource"]["google_project_iam_member"]
    )


def test_the_source_column_names_every_value_its_writers_write():
    """prediction_history.source: the streaming scorer's rows (scorer/history.py), the gke container's
    (modules/serving/online_gke.py) and the quality SQL's copies (modules/quality/sql.py) each write one value of
    config.patterns.HistorySource, and the column description lists them all."""
    import datetime
    from pathlib import Path

    from config.patterns import HistorySource
    from modules.metadata_tables import PREDICTION_HISTORY_COLUMNS
    from modules.serving.online_gke import HISTORY_SOURCE
    from scorer.history import row

    scorer_row = row(
        model="m",
        version="1",
        event={"request_id": "r", "event_time": 0},
        prediction=1.0,
        latency_ms=1.0,
        now=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    sql = (Path(__file__).resolve().parents[1] / "modules" / "quality" / "sql.py").read_text()
    written = {scorer_row["source"], HISTORY_SOURCE} | {v for v in ("request_log", "batch_output") if f"'{v}'" in sql}
    assert written == {s.value for s in HistorySource}
    (source,) = [c for c in PREDICTION_HISTORY_COLUMNS if c.name == "source"]
    assert all(s.value in source.description for s in HistorySource)


def test_event_time_is_an_additive_nullable_timestamp_after_the_first_release_columns():
    from modules.metadata_tables import PREDICTION_HISTORY_COLUMNS

    names_in_order = [c.name for c in PREDICTION_HISTORY_COLUMNS]
    event_time = PREDICTION_HISTORY_COLUMNS[-1]
    assert names_in_order.index("sampling_rate") < names_in_order.index("event_time") == len(names_in_order) - 1
    assert (event_time.name, event_time.type, event_time.mode, event_time.pii) == (
        "event_time",
        "TIMESTAMP",
        "NULLABLE",
        False,
    )
