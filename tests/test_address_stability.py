"""Editing one model or team never moves another's resources: Terraform addresses come from names.

One extra in-process synth (dev only) of a config with a model added (ledger), a model removed
(reach), models reordered (scout), teams reordered and a team added (treasury), compared
with the session's example synth. Every address that appears or disappears must belong to the
model or team that changed.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from config.model import TeamEnv
from stacks.app import Selection, build_app


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
def changed(org_config, tmp_path_factory) -> dict[str, dict]:
    ledger, reach, scout = (org_config.team(n) for n in ("ledger", "reach", "scout"))
    new_model = dataclasses.replace(ledger.model("pay-scorer"), name="pay-scorer-v2")
    treasury = dataclasses.replace(
        scout,
        name="treasury",
        display_name="Treasury",
        environments={e: TeamEnv(e, f"orbit-treasury-{e}") for e in scout.environments},
    )
    teams = (
        dataclasses.replace(scout, models=tuple(reversed(scout.models))),
        treasury,
        dataclasses.replace(reach, models=tuple(m for m in reach.models if m.name != "intent-propensity")),
        dataclasses.replace(ledger, models=(new_model, *ledger.models)),  # inserted first: positions shift
    )
    config = dataclasses.replace(org_config, teams=teams)
    out = tmp_path_factory.mktemp("stability")
    build_app(config, outdir=str(out), selection=Selection.of(envs=["dev"])).synth()
    return {p.parent.name: json.loads(p.read_text()) for p in Path(out).glob("stacks/*/cdk.tf.json")}


def _diff(before: dict, after: dict) -> tuple[dict[str, str], dict[str, str]]:
    b, a = _paths(before), _paths(after)
    return ({k: a[k] for k in a.keys() - b.keys()}, {k: b[k] for k in b.keys() - a.keys()})


def test_the_new_team_gets_its_own_stack(changed, org_stacks):
    assert set(changed) == {"platform-dev", "team-ledger-dev", "team-reach-dev", "team-scout-dev", "team-treasury-dev"}
    assert changed["team-treasury-dev"]["resource"]


def test_stacks_whose_config_did_not_change_keep_every_address(changed, org_stacks):
    assert _diff(org_stacks["team-scout-dev"], changed["team-scout-dev"]) == ({}, {})


def test_a_new_team_only_adds_its_own_addresses_to_the_platform_stack(changed, org_stacks):
    """Its project in the metrics scope, its footprint on the platform project (team-<name>/...) and the CI
    roles on its project (ci/...-team-<name>-...); nothing of another team or of the platform changes."""
    added, removed = _diff(org_stacks["platform-dev"], changed["platform-dev"])
    # (The same change removes reach's streaming model: only reach's Pub/Sub grants go.)
    assert all(p.startswith("team-reach/") or "-team-reach-" in p for p in removed.values()), removed
    assert "metrics-scope/orbit-treasury-dev" in added.values()
    assert any(p.startswith("team-treasury/tenancy/") for p in added.values())
    assert all(
        p == "metrics-scope/orbit-treasury-dev" or p.startswith("team-treasury/") or "-team-treasury-" in p
        for p in added.values()
    ), added


def test_adding_a_model_only_adds_addresses_of_that_model(changed, org_stacks):
    added, removed = _diff(org_stacks["team-ledger-dev"], changed["team-ledger-dev"])
    assert removed == {}
    assert all(path.startswith("pay-scorer-v2/") for path in added.values()), added


def test_removing_a_model_only_removes_addresses_of_that_model_and_its_pattern_key_grant(changed, org_stacks):
    added, removed = _diff(org_stacks["team-reach-dev"], changed["team-reach-dev"])
    assert added == {}
    # reach's only streaming model is gone, so the team-level streaming grants go with it: the scorer's
    # append grant on prediction_history and its model-reader role (it resolves @champion). (The Pub/Sub agent's
    # write grant on the archive table lives under the model; its key grant and the CI's Pub/Sub roles are the
    # platform stack's, below.) Its scorer's error-ratio alert was reach's only PromQL alert, so the platform
    # project leaves reach's metrics scope with it (modules/monitoring/platform_metrics.py).
    streaming_team_level = {
        "metadata/streaming-scorer-prediction_history-appender",
        "iam/serving-custom-modelopsModelReader",
        "platform-metrics/platform-project",
    }
    assert "metadata/streaming-scorer-prediction_history-appender" in removed.values()
    assert all(p.startswith("intent-propensity/") or p in streaming_team_level for p in removed.values()), removed
    added, removed = _diff(org_stacks["platform-dev"], changed["platform-dev"])
    assert "team-reach/agent-keys/pubsub" in removed.values()
    assert all(p == "team-reach/agent-keys/pubsub" or ("-team-reach-pubsub-" in p) for p in removed.values()), removed


def test_logical_ids_are_unchanged_for_every_surviving_resource(changed, org_stacks):
    for name in ("team-ledger-dev", "team-reach-dev", "team-scout-dev", "platform-dev"):
        before, after = _paths(org_stacks[name]), _paths(changed[name])
        for address in before.keys() & after.keys():
            assert before[address] == after[address], (name, address)
