"""Stack selection: only the selected stacks and what they depend on are constructed."""

from __future__ import annotations

from config.selection import Selection, planned_stacks


def names(config, **kw):
    return [s for s, _, _ in planned_stacks(config, Selection.of(**kw))]


def test_everything_by_default(example_config):
    assert len(names(example_config)) == 2 + 3 * 2


def test_a_team_brings_its_platform_stack(example_config):
    assert names(example_config, teams=["growth"], envs=["prod"]) == ["platform-prod", "team-growth-prod"]


def test_an_env_selects_its_platform_and_all_teams(example_config):
    assert names(example_config, envs=["dev"]) == [
        "platform-dev",
        "team-fraud-dev",
        "team-growth-dev",
        "team-search-dev",
    ]


def test_a_team_in_all_envs(example_config):
    assert names(example_config, teams=["search"]) == [
        "platform-dev",
        "team-search-dev",
        "platform-prod",
        "team-search-prod",
    ]
