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


def test_team_tables_are_the_six_named_tables_partitioned_on_a_column_they_have(example_config):
    specs = team_tables(example_config.team("growth"))
    assert tuple(s.name for s in specs) == TEAM_TABLES
    for spec in specs:
        assert spec.column(spec.partition_field).mode == "REQUIRED"
        assert set(spec.clustering) <= {c.name for c in spec.columns}
        assert spec.expiration_days == 400


def test_retention_defaults_when_a_team_has_no_models(example_config):
    team = dataclasses.replace(example_config.team("search"), models=())
    assert retention_days(team) == DEFAULT_RETENTION_DAYS


def test_request_log_table_names_are_valid_bigquery_ids():
    assert names.request_log_table("card-scorer") == "request_log_card_scorer"
    assert names.DATASET_ID.match(names.request_log_table("next-best-offer"))


def test_consumers_group_gets_only_the_predictor_role(config_copy):
    import cdktn

    from config.loader import load_config
    from stacks.platform import PlatformStack
    from stacks.team import TeamStack

    team_file = config_copy / "teams" / "search.yaml"
    text = team_file.read_text()
    team_file.write_text(
        text.replace(
            "  sensitive_data_readers: search-pii-readers@acme.example\n",
            "  sensitive_data_readers: search-pii-readers@acme.example\n  consumers: storefront-callers@acme.example\n",
        )
    )
    config = load_config(config_copy)
    app = cdktn.Testing.app()
    platform = PlatformStack(app, config.platform, "dev")
    stack = json.loads(cdktn.Testing.synth(TeamStack(app, config.team("search"), "dev", platform)))
    grants = [
        g
        for t, items in stack["resource"].items()
        if t.endswith("_iam_member")
        for g in items.values()
        if g["member"] == "group:storefront-callers@acme.example"
    ]
    assert len(grants) == 1
    assert grants[0]["role"].startswith("${google_project_iam_custom_role.iam_predictor-role_")
    assert any(
        k.startswith("iam_consumers-custom-modelopsPredictor") for k in stack["resource"]["google_project_iam_member"]
    )
