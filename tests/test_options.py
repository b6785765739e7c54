"""The options and checks commands share (scripts/commands/options.py)."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from scripts.commands.options import TargetOptions, resolve_team, resolve_teams, selection, with_target_options


def test_every_unknown_team_and_environment_is_reported_at_once_with_exit_2(org_config, capsys):
    import pytest

    with pytest.raises(typer.Exit) as exit_:
        selection(org_config, ["ledger", "nope", "nada"], ["qa"])
    assert exit_.value.exit_code == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "--team nope: no such team (known: ledger, reach, scout)",
        "--team nada: no such team (known: ledger, reach, scout)",
        "--env qa: no such environment (known: dev, prod)",
    ]


def test_resolve_team_returns_the_team_and_no_names_means_every_team(org_config):
    assert resolve_team(org_config, "reach") is org_config.team("reach")
    assert resolve_teams(org_config, None) == org_config.teams


def test_with_target_options_gives_a_command_the_target_options_once():
    app = typer.Typer()
    seen = {}

    @app.command()
    @with_target_options
    def act(team: str = typer.Option(..., "--team"), target: TargetOptions = TargetOptions()) -> None:
        seen.update(team=team, target=target)

    result = CliRunner().invoke(app, ["--team", "ledger", "--env", "prod", "--no-dry-run", "--audit-project", "p"])
    assert result.exit_code == 0, result.output
    assert seen == {"team": "ledger", "target": TargetOptions(env="prod", audit_project="p", dry_run=False)}
    help_text = CliRunner().invoke(app, ["--help"]).output
    assert "--region" in help_text and "--project" in help_text and "--emulator" not in help_text
