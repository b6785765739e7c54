"""A serving pattern is one unit: its spec and its construct, from which everything else is derived.

The toy pattern below follows the README's "Add a serving pattern" recipe step by step (a spec, a
construct registered under the spec's name, the name in the schema's enum) and nothing else; the test
then onboards a team with it through `modelops new-team`'s code path, loads the config, synthesizes
it and finds the keys, the dataset grant, the CI roles, the alerts, the dashboard tiles and the starter
thresholds the spec and the construct declare.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from cdktn_provider_google.pubsub_topic import PubsubTopic
from constructs import Construct

from config import patterns, schema
from config.model import Model
from config.patterns import DatasetWrite, HistorySource, Lifecycle, PatternSpec, StarterThresholds
from modules.serving.context import ModelContext
from modules.serving.pattern import ServingPattern
from tests.helpers import resources

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()


def test_the_schema_enum_the_spec_registry_and_the_construct_registry_name_the_same_patterns():
    from modules.serving import PATTERNS

    team_schema = json.loads((REPO / "policies" / "schemas" / "team.schema.json").read_text())
    enum = team_schema["$defs"]["model"]["properties"]["pattern"]["enum"]
    assert enum == list(patterns.PATTERNS) == list(PATTERNS)
    assert all(construct.spec is patterns.pattern(name) for name, construct in PATTERNS.items())
    # the schema also requires `schedule` of exactly the scheduled patterns
    conditions = team_schema["$defs"]["model"]["allOf"]
    requiring = {c["if"]["properties"]["pattern"]["const"] for c in conditions if "schedule" in c["then"]["required"]}
    assert requiring == {name for name, spec in patterns.PATTERNS.items() if spec.scheduled}


def test_every_key_a_pattern_declares_is_a_platform_key():
    from config.names import KEY_SERVICES

    assert {k for spec in patterns.PATTERNS.values() for k in spec.key_services} | {
        patterns.QUALITY_WORKFLOW_KEY
    } <= set(KEY_SERVICES)


def test_every_when_condition_of_the_permission_contract_is_one_the_gate_evaluates(org_config):
    from policies.iam.contract import condition_holds, contract

    for identity in contract()["identities"].values():
        for step in identity["steps"]:
            for team in org_config.teams:
                condition_holds(step.get("when"), team, "prod")  # raises on an unknown condition


def test_the_readme_recipe_names_the_three_places():
    recipe = README[README.index("## Add a serving pattern") :]
    recipe = recipe[: recipe.index("\n## ", 3)]
    for place in (
        "config/patterns.py",
        "modules/serving/",
        "modules/serving/__init__.py",
        "policies/schemas/team.schema.json",
        "tests/serving/test_patterns.py",
    ):
        assert place in recipe, place


# --- the toy pattern: written only from the recipe -------------------------------------------------------

TOY = PatternSpec(
    name="toy",
    summary="a Pub/Sub topic a scorer reads (test only)",
    key_services=("pubsub",),
    dataset_writes=(DatasetWrite.SERVING_APPENDS_HISTORY,),
    history=HistorySource.SCORER,
    starter=StarterThresholds(
        latency_p99_ms=777, max_error_rate=0.03, min_predictions_per_hour=42, sample_rate=0.5, retention_days=90
    ),
    lifecycle=Lifecycle(endpoint=False, champion_reader="toy scorer"),
    terraform_types=("google_pubsub_topic",),
    data_engineer_note="Feed the toy topics of {models}.",
)


class ToyTopic(ServingPattern):
    spec = TOY

    def __init__(self, scope: Construct, id: str, *, ctx: ModelContext) -> None:
        super().__init__(scope, id, ctx=ctx)
        self.topic_id = ctx.resource_name("toy")
        self.topic = PubsubTopic(
            self,
            "topic",
            project=ctx.project,
            name=self.topic_id,
            labels=ctx.labels,
            kms_key_name=ctx.keys["pubsub"],
            depends_on=[ctx.agents.key_grant("pubsub"), *ctx.dataset_grants],
        )

    @staticmethod
    def dashboard_tiles(team: str, env: str, model: Model) -> list[dict[str, Any]]:
        from config import names
        from modules.monitoring import filters
        from modules.monitoring.dashboards import chart, series

        topic = names.model_resource_name(team, model.name, "toy")
        return [
            chart(
                "Toy publish requests (per s)",
                [
                    series(
                        filters.published(topic),
                        "ALIGN_RATE",
                        reducer="REDUCE_SUM",
                        group_by=["resource.label.topic_id"],
                    )
                ],
            )
        ]

    def alert_specs(self) -> list:
        from metric_catalogue.thresholds import Quantity
        from modules.monitoring import filters
        from modules.monitoring.alerts import AlertSpec, aggregation, threshold

        minimum = self.ctx.model.monitoring.min_predictions_per_hour
        return [
            AlertSpec(
                "stream-traffic-drop",
                (
                    threshold(
                        "fewer toy publish requests than the hourly minimum",
                        filters.published(self.topic_id),
                        comparison="COMPARISON_LT",
                        value=Quantity(minimum, "1"),
                        duration="0s",
                        aggregations=[aggregation("ALIGN_SUM", "3600s", "REDUCE_SUM", ["resource.label.topic_id"])],
                        missing="EVALUATION_MISSING_DATA_ACTIVE",
                    ),
                ),
                detail=f"Topic: {self.topic_id}.",
            )
        ]


@pytest.fixture
def toy_registered(tmp_path, monkeypatch):
    """Recipe steps 1-3: the spec, the construct registered under its name, the name in the schema's enum."""
    from modules import serving

    schemas = tmp_path / "schemas"
    shutil.copytree(schema.SCHEMA_DIR, schemas)
    team_schema = json.loads((schemas / "team.schema.json").read_text())
    team_schema["$defs"]["model"]["properties"]["pattern"]["enum"].append("toy")
    (schemas / "team.schema.json").write_text(json.dumps(team_schema))
    monkeypatch.setattr(schema, "SCHEMA_DIR", schemas)
    schema.validator.cache_clear()
    schema._registry.cache_clear()
    serving.register(ToyTopic)
    yield
    serving.unregister("toy")
    schema.validator.cache_clear()
    schema._registry.cache_clear()


@pytest.fixture
def toy_team(toy_registered, org_copy):
    """`modelops new-team toys --pattern toy` (its code path), then the config as the CLI loads it."""
    from config.loader import load_config
    from scripts.onboarding.new_team import NewTeam, create, default_project

    config = load_config(org_copy)
    path = create(
        org_copy,
        NewTeam(
            name="toys",
            display_name="Toys",
            business_owner="owner@orbit.example",
            groups_domain="orbit.example",
            data_classification="internal",
            patterns=("toy",),
            environments={e: default_project("toys", e, config.platform.name) for e in config.platform.environments},
        ),
    )
    return path, load_config(org_copy)


@pytest.fixture
def toy_stacks(toy_team, tmp_path):
    from stacks.app import Selection, build_app

    out = tmp_path / "out"
    build_app(toy_team[1], outdir=str(out), selection=Selection.of(["toys"], ["dev"])).synth()
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("stacks/*/cdk.tf.json")}


def test_a_new_team_with_the_toy_pattern_starts_from_its_starter_thresholds(toy_team):
    path, config = toy_team
    (model,) = yaml.safe_load(path.read_text())["models"]
    assert model["pattern"] == "toy" and "schedule" not in model  # not a scheduled pattern
    assert {
        k: v
        for k, v in model["monitoring"].items()
        if k in ("latency_p99_ms", "max_error_rate", "min_predictions_per_hour")
    } == {"latency_p99_ms": 777, "max_error_rate": 0.03, "min_predictions_per_hour": 42}
    assert model["logging"] == {"sample_rate": 0.5, "retention_days": 90}
    assert config.team("toys").models[0].pattern == "toy"


def test_the_toy_construct_gets_the_key_its_spec_declares(toy_stacks):
    team = toy_stacks["team-toys-dev"]
    topic = resources(team, "google_pubsub_topic")["toy-model/topic"]
    assert "kms_pubsub" in topic["kms_key_name"]
    grants = resources(toy_stacks["platform-dev"], "google_kms_crypto_key_iam_member")
    # the pattern's key, and the quality workflow's (every team with models); no other service's
    assert {p for p in grants if p.startswith("team-toys/agent-keys/")} == {
        "team-toys/agent-keys/pubsub",
        "team-toys/agent-keys/workflows",
    }


def test_the_toy_gets_the_dataset_grant_its_spec_declares(toy_stacks):
    table_grants = resources(toy_stacks["team-toys-dev"], "google_bigquery_table_iam_member")
    assert "metadata/streaming-scorer-prediction_history-appender" in table_grants
    assert not any(
        p.startswith("metadata/vertex-agent")
        for p in resources(toy_stacks["team-toys-dev"], "google_bigquery_dataset_iam_member")
    )


def test_the_toy_gets_its_alerts_and_dashboard_tiles(toy_stacks):
    team = toy_stacks["team-toys-dev"]
    policy = resources(team, "google_monitoring_alert_policy")["toy-model/stream-traffic-drop"]
    assert policy["user_labels"]["model"] == "toy-model"
    assert re.search(r"\[threshold: 42 1\]", policy["conditions"][0]["display_name"])
    dashboard = json.loads(resources(team, "google_monitoring_dashboard")["dashboard/dashboard"]["dashboard_json"])
    titles = [t["widget"].get("title") for t in dashboard["mosaicLayout"]["tiles"]]
    assert "Toy publish requests (per s)" in titles
    assert "Drift (PSI) by feature" in titles  # the quality tiles every model gets


def test_the_ci_identities_get_the_roles_of_the_toys_terraform_types(toy_stacks):
    grants = resources(toy_stacks["platform-dev"], "google_project_iam_member")
    assert grants["ci/applier-team-toys-pubsub-admin"]["role"] == "roles/pubsub.admin"
    assert grants["ci/planner-team-toys-pubsub-viewer"]["role"] == "roles/pubsub.viewer"
