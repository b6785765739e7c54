"""The CLI's promises, for every command: one rule set (validate and check give one answer), JSON on stdout with
`--output json` also when the command fails, help that names values instead of Python types, `--version`."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from scripts import cli
from tests.helpers import ORG, ORG_DIR
from tests.test_cli import run

TODAY = "2026-11-01"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def invoke(*args: str, monkeypatch) -> tuple[int, str, str]:
    """`modelops ARGS` in this process (the imports are paid once): exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.main(list(args))
    return exited.value.code, out.getvalue(), err.getvalue()


# --- one rule set, one answer ----------------------------------------------------------------------------


def _break_everything(config: Path) -> list[str]:
    """One copy with every kind of config-level problem; returns what each problem's message contains."""
    reach, ledger, scout = (config / "teams" / f"{t}.yaml" for t in ("reach", "ledger", "scout"))
    _edit(reach, 'expires: "2027-04-15"', 'expires: "2026-10-01"')  # expired
    _edit(
        ledger,
        "suppressions: []",
        "suppressions:\n"
        "  - rule: MLOPS_PII_9\n"  # unknown rule, too far ahead, approved by the team's own owner
        '    resource: "team-ledger-*/metadata/dataset"\n'
        "    reason: an exception explained in more than twenty characters\n"
        "    approved_by: kim.berg@orbit.example\n"
        '    expires: "2027-12-31"\n'
        "  - rule: CKV_GCP_9999\n"  # looks like a checkov id; the pinned checkov has no such check
        '    resource: "team-ledger-*/metadata/dataset"\n'
        "    reason: an exception explained in more than twenty characters\n"
        "    approved_by: security-architecture@orbit.example\n"
        '    expires: "2026-12-31"\n',
    )
    _edit(scout, "  viewers: scout-viewers@orbit.example", "  viewers: eva.novak@orbit.example")  # a person
    _edit(scout, "data_classification: internal", "data_classification: public")
    _edit(scout, "features: [query_length, bm25_score, ctr_7d]", "features: [{name: query_text, pii: true}]")
    _edit(config / "platform.yaml", "oncall_channel: platform-oncall", "oncall_channel: nobody")  # reference
    _edit(config / "platform.yaml", "  - security-lead@orbit.example\n", "")
    _edit(config / "platform.yaml", "  min_accuracy: 0.7\n", "  max_rmse: 3\n")  # no accuracy default
    return [
        "expired on 2026-10-01",
        "unknown rule 'MLOPS_PII_9'",
        "unknown rule 'CKV_GCP_9999'",
        "is more than 180 days ahead",
        "'kim.berg@orbit.example' is one of this team's own people",
        "'eva.novak@orbit.example' is named as a person",
        "feature 'query_text' holds personal data",
        "unknown notification channel 'nobody'",
        "classification models need monitoring.min_accuracy",
    ]


def test_validate_and_check_report_the_same_config_problems(org_copy):
    expected = _break_everything(org_copy)
    answers = {}
    for command in ("validate", "check"):
        result = run(command, "-c", str(org_copy), "--today", TODAY, "--output", "json")
        assert result.returncode == 2, (command, result.stdout, result.stderr[-2000:])
        answers[command] = json.loads(result.stdout)
    assert answers["validate"] == answers["check"]
    messages = [p["message"] for p in answers["validate"]["problems"]]
    for text in expected:
        assert any(text in m for m in messages), (text, messages)
    assert all(p["file"] and p["line"] for p in answers["validate"]["problems"])


# --- JSON on stdout, also on exit 2 -----------------------------------------------------------------------

MISSING = "no-such-file.yaml"
BAD_INPUT = {
    "validate": ("validate", "-c", "/nonexistent"),
    "synth": ("synth", "-c", ORG_DIR, "--team", "nope"),
    "stacks": ("stacks", "-c", ORG_DIR, "--env", "nope"),
    "check": ("check", "-c", ORG_DIR, "--today", "tomorrow"),
    "new-team": ("new-team", "Not_A_Name", "-c", ORG_DIR),
    "docs": ("docs", "-c", ORG_DIR, "--only", "nope"),
    "teams": ("teams", "-c", "/nonexistent"),
    "models": ("models", "-c", ORG_DIR, "--team", "nope"),
    "validate-card": ("validate-card", MISSING, "-c", ORG_DIR),
    "register": ("register", MISSING, "-c", ORG_DIR),
    "deploy": ("deploy", "--team", "nope", "--model", "m", "--version", "1", "-c", ORG_DIR),
    "promote": ("promote", "--team", "nope", "--model", "m", "--version", "1", "-c", ORG_DIR),
    "rollback": ("rollback", "--team", "nope", "--model", "m", "--to", "1", "-c", ORG_DIR),
    "status": ("status", "--team", "nope", "-c", ORG_DIR),
    "access": (
        "access",
        "request",
        "--team",
        "ledger",
        "--entitlement",
        "pii-reader",
        "--duration",
        "30d",
        "--justification",
        "x",
        "-c",
        ORG_DIR,
    ),
    "report": ("report", "--demo", "--period", "2026-13", "--out", "unused-report-dir"),
    "wait-namespaces": ("wait-namespaces", "-c", ORG_DIR, "--env", "nope"),
    "unknown option": ("validate", "--no-such-option"),
}


def test_every_command_is_covered():
    commands = set(cli.tidy_help(__import__("typer").main.get_command(cli.app)).commands)
    assert commands <= set(BAD_INPUT), sorted(commands - set(BAD_INPUT))


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_exits_2_with_the_problems_as_json_on_stdout(case, monkeypatch):
    code, out, err = invoke(*BAD_INPUT[case], "--output", "json", monkeypatch=monkeypatch)
    assert code == 2, (out, err)
    doc = json.loads(out)
    # validate-card answers with its own report ({"valid": false, "errors": [...]}), the others with main()'s
    problems = doc["problems"] if "problems" in doc else doc["errors"]
    assert doc.get("ok", doc.get("valid")) is False and doc.get("exit_code", 2) == 2 and problems, doc
    assert all(p["message"] for p in problems)
    if case != "validate-card":
        assert err.strip(), "people reading CI logs still get the plain lines on stderr"


def test_config_problems_in_json_keep_file_line_and_field(org_copy, monkeypatch):
    _edit(org_copy / "teams" / "ledger.yaml", "latency_p99_ms: 150", "latency_p99_ms: 0")
    code, out, _ = invoke("validate", "-c", str(org_copy), "-o", "json", monkeypatch=monkeypatch)
    assert code == 2
    [problem] = json.loads(out)["problems"]
    assert problem == {
        "file": str(org_copy / "teams" / "ledger.yaml"),
        "line": 34,
        "path": "models[0].monitoring.latency_p99_ms",
        "message": "must be greater than 0",
    }


def test_teams_and_models_list_the_config(org_config, monkeypatch):
    code, out, _ = invoke("teams", "-c", ORG_DIR, "-o", "json", monkeypatch=monkeypatch)
    assert code == 0
    assert [t["team"] for t in json.loads(out)] == [t.name for t in org_config.teams]
    code, out, _ = invoke("models", "-c", ORG_DIR, "--team", "reach", "-o", "json", monkeypatch=monkeypatch)
    assert code == 0
    rows = json.loads(out)
    assert [r["model"] for r in rows] == [m.name for m in org_config.team("reach").models]
    propensity = next(r for r in rows if r["model"] == "intent-propensity")
    assert propensity["thresholds"]["monitoring.min_accuracy"] == 0.7
    assert propensity["platform_defaults"] == ["monitoring.min_accuracy"]
    code, out, _ = invoke("teams", "-c", ORG_DIR, monkeypatch=monkeypatch)
    assert code == 0 and all(t.name in out for t in org_config.teams)


def test_version(monkeypatch):
    code, out, _ = invoke("--version", monkeypatch=monkeypatch)
    assert code == 0 and out.startswith("modelops ")


# --- help -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["", *sorted(c for c in BAD_INPUT if " " not in c)])
def test_help_names_values_not_python_types(command, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = invoke(*([command] if command else []), "--help", monkeypatch=monkeypatch)
    assert code == 0
    for noise in ("<list[", "<str>", "<bool>", "<path>", "<int>", "<float>", "<text|json>"):
        assert noise not in out, (command, noise, out)


def test_the_fixture_files_are_what_the_cases_assume():
    assert (ORG / "teams" / "ledger.yaml").read_text().splitlines()[33].strip() == "latency_p99_ms: 150"
