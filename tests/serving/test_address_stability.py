"""Adding a model in front of the others changes no existing address (ids come from names, not positions)."""

from __future__ import annotations

import dataclasses
import json

from tests.helpers import addresses


def test_adding_a_model_keeps_every_existing_address(tmp_path, org_config, org_stacks):
    from scripts.synth import synthesize
    from stacks.app import Selection

    ledger = org_config.team("ledger")
    newcomer = dataclasses.replace(ledger.model("pay-scorer"), name="aaa-new-model")
    changed = dataclasses.replace(
        org_config,
        teams=tuple(
            dataclasses.replace(t, models=(newcomer, *t.models)) if t.name == "ledger" else t for t in org_config.teams
        ),
    )
    synthesize(changed, tmp_path / "out", Selection.of(["ledger"], ["prod"]))
    after = json.loads((tmp_path / "out/stacks/team-ledger-prod/cdk.tf.json").read_text())
    before = addresses(org_stacks["team-ledger-prod"])
    assert before <= addresses(after)
    added = addresses(after) - before
    assert added and all("aaa-new-model" in a for a in added)
