"""Adding a model in front of the others changes no existing address (ids come from names, not positions)."""
from __future__ import annotations

import dataclasses
import json

from tests.helpers import addresses


def test_adding_a_model_keeps_every_existing_address(tmp_path, example_config, stacks):
    from scripts.synth import synthesize
    from stacks.app import Selection

    fraud = example_config.team("fraud")
    newcomer = dataclasses.replace(fraud.model("card-scorer"), name="aaa-new-model")
    changed = dataclasses.replace(example_config, teams=tuple(
        dataclasses.replace(t, models=(newcomer, *t.models)) if t.name == "fraud" else t for t in example_config.teams))
    synthesize(changed, tmp_path / "out", Selection.of(["fraud"], ["prod"]))
    after = json.loads((tmp_path / "out/stacks/team-fraud-prod/cdk.tf.json").read_text())
    before = addresses(stacks["team-fraud-prod"])
    assert before <= addresses(after)
    added = addresses(after) - before
    assert added and all("aaa-new-model" in a for a in added)
