"""Each example stack matches its reviewed inventory of resource counts per type."""

from __future__ import annotations

import pytest

from tests.inventories.regenerate import COMMAND, HERE, inventory, load

EXPECTED_STACKS = sorted(p.stem for p in HERE.glob("*.yaml"))
HINT = f"inventory is stale; regenerate and review the diff:\n    {COMMAND}"


def test_every_example_stack_has_an_inventory_and_every_inventory_a_stack(org_stacks):
    assert sorted(org_stacks) == EXPECTED_STACKS, HINT


@pytest.mark.parametrize("stack_name", EXPECTED_STACKS)
def test_stack_matches_its_inventory(org_stacks, stack_name):
    expected = load(stack_name)
    actual = inventory(org_stacks[stack_name])
    if actual != expected:
        lines = [HINT]
        for section in ("resources", "data"):
            for tf_type in sorted(set(actual[section]) | set(expected.get(section, {}))):
                a, e = actual[section].get(tf_type, 0), expected.get(section, {}).get(tf_type, 0)
                if a != e:
                    lines.append(f"  {section} {tf_type}: expected {e}, synthesized {a}")
        if actual["outputs"] != expected.get("outputs"):
            lines.append(f"  outputs: expected {expected.get('outputs')}, synthesized {actual['outputs']}")
        pytest.fail("\n".join(lines), pytrace=False)
