"""Editing one model or team never moves another's resources: Terraform addresses come from names.

One extra in-process synth (dev only) of a config with a model added (fraud), a model removed
(growth), models reordered (search), teams reordered and a team added (payments), compared
with the session's example synth. Every address that appears or disappears must belong to the
model or team that changed.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from stacks.app import Selection, build_app
from config.model import TeamEnv


def _paths(stack: dict) -> dict[str, str]:
    """`type.name` (data sources `data.type.name`) -> construct path relative to the stack."""
    out = {}
    for section, prefix in (("resource", ""), ("data", "data.")):
        for tf_type, items in stack.get(section, {}).items():
            for name, conf in items.items():
                path = conf.get("//", {}).get("metadata", {}).get("path", name)
                out[f"{prefix}{tf_type}.{name}"] = path.split("/", 1)[1] if "/" in path else path
    return out


@pytest.fixture(scope="module")
def changed(example_config, tmp_path_factory) -> dict[str, dict]:
    fraud, growth, search = (example_config.team(n) for n in ("fraud", "growth", "search"))
    new_model = dataclasses.replace(fraud.model("card-scorer"), name="card-scorer-v2")
    payments = dataclasses.replace(
        search, name="payments", display_name="Payments",
        environments={e: TeamEnv(e, f"acme-payments-{e}") for e in search.environments})
    teams = (
        dataclasses.replace(search, models=tuple(reversed(search.models))),
        payments,
        dataclasses.replace(growth, models=tuple(m for m in growth.models if m.name != "clickstream-propensity")),
        dataclasses.replace(fraud, models=(new_model, *fraud.models)),  # inserted first: positions shift
    )
    config = dataclasses.replace(example_config, teams=teams)
    out = tmp_path_factory.mktemp("stability")
    build_app(config, outdir=str(out), selection=Selection.of(envs=["dev"])).synth()
    return {p.parent.name: json.loads(p.read_text()) for p in Path(out).glob("stacks/*/cdk.tf.json")}


def _diff(before: dict, after: dict) -> tuple[dict[str, str], dict[str, str]]:
    b, a = _paths(before), _paths(after)
    return ({k: a[k] for k in a.keys() - b.keys()}, {k: b[k] for k in b.keys() - a.keys()})


def test_the_new_team_gets_its_own_stack(changed, stacks):
    assert set(changed) == {"platform-dev", "team-fraud-dev", "team-growth-dev", "team-search-dev",
                            "team-payments-dev"}
    assert changed["team-payments-dev"]["resource"]


def test_stacks_whose_config_did_not_change_keep_every_address(changed, stacks):
    assert _diff(stacks["team-search-dev"], changed["team-search-dev"]) == ({}, {})


def test_a_new_team_only_adds_its_own_addresses_to_the_platform_stack(changed, stacks):
    """Its project in the metrics scope, its footprint on the platform project (team-<name>/...) and the CI
    roles on its project (ci/...-team-<name>-...); nothing of another team or of the platform changes."""
    added, removed = _diff(stacks["platform-dev"], changed["platform-dev"])
    # (The same change removes growth's streaming model: only growth's Pub/Sub grants go.)
    assert all(p.startswith("team-growth/") or "-team-growth-" in p for p in removed.values()), removed
    assert "metrics-scope/acme-payments-dev" in added.values()
    assert any(p.startswith("team-payments/tenancy/") for p in added.values())
    assert all(p == "metrics-scope/acme-payments-dev" or p.startswith("team-payments/")
               or "-team-payments-" in p for p in added.values()), added


def test_adding_a_model_only_adds_addresses_of_that_model(changed, stacks):
    added, removed = _diff(stacks["team-fraud-dev"], changed["team-fraud-dev"])
    assert removed == {}
    assert all(path.startswith("card-scorer-v2/") for path in added.values()), added


def test_removing_a_model_only_removes_addresses_of_that_model_and_its_pattern_key_grant(changed, stacks):
    added, removed = _diff(stacks["team-growth-dev"], changed["team-growth-dev"])
    assert added == {}
    # growth's only streaming model is gone, so the team-level streaming grants go with it: the scorer's
    # append grant on prediction_history and its model-reader role (it resolves @champion). (The Pub/Sub agent's
    # write grant on the archive table lives under the model; its key grant and the CI's Pub/Sub roles are the
    # platform stack's, below.)
    streaming_team_level = {"metadata/streaming-scorer-prediction_history-appender",
                            "iam/serving-custom-modelopsModelReader"}
    assert "metadata/streaming-scorer-prediction_history-appender" in removed.values()
    assert all(p.startswith("clickstream-propensity/") or p in streaming_team_level for p in removed.values()), removed
    added, removed = _diff(stacks["platform-dev"], changed["platform-dev"])
    assert "team-growth/agent-keys/pubsub" in removed.values()
    assert all(p == "team-growth/agent-keys/pubsub" or ("-team-growth-pubsub-" in p) for p in removed.values()), removed


def test_logical_ids_are_unchanged_for_every_surviving_resource(changed, stacks):
    for name in ("team-fraud-dev", "team-growth-dev", "team-search-dev", "platform-dev"):
        before, after = _paths(stacks[name]), _paths(changed[name])
        for address in before.keys() & after.keys():
            assert before[address] == after[address], (name, address)
