"""Hostile YAML is refused quickly, with exit 2 and the file named, by every command that reads config or cards
(they all read through config.yaml_source.load)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from config import yaml_source
from tests.test_cli_contract import invoke

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
HOSTILE = {
    "alias expansion": (BILLION_LAUGHS, "once YAML aliases are expanded"),
    "deep nesting": (
        "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 200)) + "  " * 200 + "v: 1\n",
        "levels deep",
    ),
    "deep flow nesting": ("a: " + "[" * 900 + "]" * 900 + "\n", "levels deep"),
    "very large file": ("# padding\n" * 200_000 + "name: x\n", "bytes; at most"),
    "many documents": ("name: x\n---\n" * 50_000, "expected a single document"),
    # numbers no field can hold: they crashed synth (NaN/inf thresholds) or construction (Python's int limit)
    "not a number": ("name: x\nmonitoring:\n  max_error_rate: .nan\n", "is not a finite number"),
    "infinity": ("name: x\nmonitoring:\n  latency_p99_ms: -.inf\n", "is not a finite number"),
    "5001-digit integer": ("name: x\nmonitoring:\n  latency_p99_ms: " + "9" * 5001 + "\n", "digits; expected at most"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_the_loader_refuses_hostile_yaml_within_a_second(case, tmp_path):
    text, message = HOSTILE[case]
    file = tmp_path / "hostile.yaml"
    file.write_text(text)
    started = time.perf_counter()
    doc, errors = yaml_source.load(file)
    assert time.perf_counter() - started < 1.0
    assert doc is None and len(errors) == 1 and message in errors[0].message, errors


def _team_file(config: Path, text: str) -> Path:
    file = config / "teams" / "hostile.yaml"
    file.write_text(text)
    return file


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["validate", "check", "synth", "stacks", "docs", "teams", "models", "new-team"])
def test_every_config_command_refuses_a_hostile_team_file_with_exit_2_naming_it(case, command, org_copy, monkeypatch):
    text, message = HOSTILE[case]
    file = _team_file(org_copy, text)
    args = ["newcomer"] if command == "new-team" else []
    started = time.perf_counter()
    code, out, err = invoke(command, *args, "-c", str(org_copy), monkeypatch=monkeypatch)
    assert time.perf_counter() - started < 3.0  # the command's own imports included
    assert code == 2, (out, err)
    assert str(file) in err and message in err, err


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["validate-card", "register"])
def test_card_commands_refuse_a_hostile_card_with_exit_2_naming_it(case, command, tmp_path, monkeypatch):
    from tests.helpers import ORG_DIR

    text, message = HOSTILE[case]
    card = tmp_path / "card.yaml"
    card.write_text(text)
    code, out, err = invoke(command, str(card), "-c", ORG_DIR, "--dry-run", monkeypatch=monkeypatch)
    assert code == 2, (out, err)
    assert str(card) in err and message in err, err
