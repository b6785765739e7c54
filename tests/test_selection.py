"""Stack selection: only the selected stacks and what they depend on are constructed."""

from __future__ import annotations

from config.selection import Selection, planned_stacks


def names(config, **kw):
    return [s for s, _, _ in planned_stacks(config, Selection.of(**kw))]


def test_everything_by_default(org_config):
    assert len(names(org_config)) == 2 + 3 * 2


def test_a_team_brings_its_platform_stack(org_config):
    assert names(org_config, teams=["reach"], envs=["prod"]) == ["platform-prod", "team-reach-prod"]


def test_an_env_selects_its_platform_and_all_teams(org_config):
    assert names(org_config, envs=["dev"]) == [
        "platform-dev",
        "team-ledger-dev",
        "team-reach-dev",
        "team-scout-dev",
    ]


def test_a_team_in_all_envs(org_config):
    assert names(org_config, teams=["scout"]) == [
        "platform-dev",
        "team-scout-dev",
        "platform-prod",
        "team-scout-prod",
    ]
