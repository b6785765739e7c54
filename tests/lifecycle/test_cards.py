"""Model cards: the examples pass every gate; each kind of bad card is refused with a field-level
message (file:line), exit code 2 and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from config.errors import ConfigInvalid
from lifecycle.card import load_card
from lifecycle.gates import check_card
from tests.lifecycle.conftest import CARDS, ORG, REPO

EXAMPLE = CARDS / "ledger-pay-scorer.yaml"


def modelops(*args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "MODELOPS_CONFIG_DIR": str(ORG)}
    return subprocess.run(
        [sys.executable, "-m", "scripts.cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def problems(path: Path, config, env: str = "dev") -> list[str]:
    try:
        card, doc = load_card(path)
    except ConfigInvalid as exc:
        return [str(e) for e in exc.errors]
    return [str(e) for e in check_card(card, doc, config, env)]


@pytest.mark.parametrize("name", sorted(p.name for p in CARDS.glob("*.yaml")))
def test_example_cards_pass_every_gate(name, config):
    assert problems(CARDS / name, config) == []


def test_there_is_an_example_card_per_serving_pattern(config):
    patterns = set()
    for path in CARDS.glob("*.yaml"):
        card, _ = load_card(path)
        patterns.add(config.team(card.team).model(card.model).pattern)
    assert patterns == {"online", "batch", "streaming"}


def edit(tmp_path: Path, old: str, new: str, source: Path = EXAMPLE) -> Path:
    text = source.read_text()
    assert old in text, old
    path = tmp_path / "card.yaml"
    path.write_text(text.replace(old, new))
    return path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


BAD_CARDS = {
    "missing training commit": (
        "    commit: 3f9c2a7d1e5b8c0a4f6d2e9b7a1c3e5f7d9b0a2c\n",
        "",
        "training.code: missing required field 'commit'",
    ),
    "short hash": (
        "commit: 8b1d4f6a2c9e0b3d5f7a1c4e6b8d0f2a4c6e8b0d",
        "commit: 8b1d4f6",
        "prediction_code.commit: '8b1d4f6' is not valid: must match ^[0-9a-f]{40}$",
    ),
    "unpinned image": (
        "pay-scorer@sha256:9f2b5c1e0d4a7b3c6e8f1a2d5c7b9e0f3a6d8c1b4e7f0a2c5d8b1e4f7a0c3d6b",
        "pay-scorer:latest",
        "serving_image: 'europe-west4-docker.pkg.dev/orbit-mlops-dev/serving-images/"
        "ledger/pay-scorer:latest' is not pinned by digest",
    ),
    "image outside artifact registry": (
        "europe-west4-docker.pkg.dev/orbit-mlops-dev/serving-images/ledger/pay-scorer",
        "docker.io/orbit/pay-scorer",
        "is not in the platform's serving-image repository",
    ),
    # Review 17, finding 5: any Artifact Registry project and repository passed (/tmp/review17/gate_probe.py).
    "image in someone else's artifact registry": (
        "europe-west4-docker.pkg.dev/orbit-mlops-dev/serving-images/ledger/pay-scorer",
        "us-docker.pkg.dev/someone-elses-proj/public/anything",
        "serving_image: 'us-docker.pkg.dev/someone-elses-proj/public/anything@sha256:",
    ),
    "image in another repository of the platform project": (
        "orbit-mlops-dev/serving-images/",
        "orbit-mlops-dev/scratch/",
        "is not in the platform's serving-image repository of this environment; expected "
        "europe-west4-docker.pkg.dev/orbit-mlops-dev/serving-images/<image>@sha256:<digest>",
    ),
    "unknown model": (
        "model: pay-scorer",
        "model: pay-scorer-v2",
        "model: model 'pay-scorer-v2' is not declared in tests/fixtures/org/teams/ledger.yaml",
    ),
    "unknown team": ("team: ledger", "team: no-such-team", "team: unknown team 'no-such-team'"),
    "metric below threshold": (
        "accuracy: 0.948",
        "accuracy: 0.85",
        "evaluation.metrics.accuracy: accuracy 0.85 is below the team's min_accuracy 0.9",
    ),
    "personal data without the business owner's approval": (
        "by: kim.berg@orbit.example",
        "by: someone@orbit.example",
        "approvals: a model that uses personal data needs an approval",
    ),
    "pii features but personal data denied": (
        "  used: true\n  categories: [customer_email, card_country]\n",
        "  used: false\n",
        "personal_data.used: must be true: tests/fixtures/org/teams/ledger.yaml:",
    ),
    "artifact not in cloud storage": ("artifact_uri: gs://", "artifact_uri: s3://", "artifact_uri: 's3://"),
    "malformed yaml": ("intended_use: Score", "intended_use: [Score", "invalid YAML"),
    # BigQuerySource.input_uri takes bq://project.dataset.table only (aiplatform_v1/types/io.py:118-124).
    "skew baseline as time travel": (
        "snapshot: transactions_train_snapshot_20240930",
        "snapshot: FOR SYSTEM_TIME AS OF 2024-09-30T00:00:00Z",
        "training.data[0].snapshot: snapshot 'FOR SYSTEM_TIME AS OF",
    ),
    "cloud storage baseline without a format": (
        "  target_field: is_fraud\n",
        "  target_field: is_fraud\n  baseline: gs://orbit-ledger-datasets/v12/\n",
        "training.baseline: gs://orbit-ledger-datasets/v12/: the data format",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CARDS))
def test_bad_card_names_the_field(case, tmp_path, config):
    old, new, expected = BAD_CARDS[case]
    path = edit(tmp_path, old, new)
    found = problems(path, config)
    assert any(expected in p for p in found), found
    assert all(p.startswith(f"{path}:") for p in found), found


def test_the_image_must_be_in_the_repository_of_the_environment_it_is_registered_in(config):
    """Each environment's team project pulls from its own platform repository only (modules/team_platform_access.py)."""
    assert problems(EXAMPLE, config, "dev") == []
    [problem] = problems(EXAMPLE, config, "prod")
    assert "expected europe-west4-docker.pkg.dev/orbit-mlops-prod/serving-images/<image>@sha256:<digest>" in problem


def test_classification_above_the_teams_is_refused(tmp_path, config):
    reach = CARDS / "reach-intent-propensity.yaml"
    path = edit(tmp_path, "data_classification: internal", "data_classification: restricted", source=reach)
    assert problems(path, config) == [
        f"{path}:{line_of(path, 'data_classification:')}: data_classification: 'restricted' is above team reach's "
        "data_classification 'confidential' (tests/fixtures/org/teams/reach.yaml); the team's infrastructure is not approved for it"
    ]


def test_regression_metric_above_max_rmse_is_refused(tmp_path, config):
    path = edit(tmp_path, "rmse: 18.4", "rmse: 31", source=CARDS / "ledger-refund-forecast.yaml")
    assert problems(path, config) == [
        f"{path}:{line_of(path, 'rmse:')}: evaluation.metrics.rmse: rmse 31.0 is above the team's max_rmse 25 "
        "(tests/fixtures/org/teams/ledger.yaml:48)"
    ]


def test_every_problem_is_reported_at_once(tmp_path, config):
    path = edit(tmp_path, "accuracy: 0.948", "accuracy: 0.5")
    path.write_text(
        path.read_text()
        .replace("data_classification: restricted", "data_classification: restricted\n")
        .replace("pay-scorer@sha256:", "pay-scorer:v1@sha256:")
        .replace("role: business_owner", "role: security")
    )
    found = problems(path, config)
    assert len(found) == 2, found  # metric and approval; the digest is still present
    assert any("accuracy 0.5" in p for p in found) and any("approvals" in p for p in found)


def test_validate_card_cli_exits_2_with_file_line_and_no_traceback(tmp_path):
    path = edit(tmp_path, "commit: 8b1d4f6a2c9e0b3d5f7a1c4e6b8d0f2a4c6e8b0d", "commit: 8b1d4f6")
    result = modelops("validate-card", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    line = line_of(path, "commit: 8b1d4f6")
    assert f"{path}:{line}: prediction_code.commit: '8b1d4f6' is not valid" in result.stderr
    assert result.stderr.strip().endswith("1 problem found")


def test_validate_card_cli_json_lists_errors(tmp_path):
    path = edit(tmp_path, "accuracy: 0.948", "accuracy: 0.1")
    result = modelops("validate-card", str(path), "--output", "json")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert (report["ok"], report["exit_code"]) == (False, 2)  # the failure shape of every command (scripts/console.py)
    assert [e["path"] for e in report["problems"]] == ["evaluation.metrics.accuracy"]


def test_validate_card_cli_accepts_the_examples_and_json_cards(tmp_path):
    assert modelops("validate-card", str(EXAMPLE)).stdout.strip() == "card valid: ledger/pay-scorer 2024.10.1"
    card, _ = load_card(EXAMPLE)
    as_json = tmp_path / "card.json"
    as_json.write_text(json.dumps(dict(card.raw)))
    result = modelops("validate-card", str(as_json), "-o", "json")
    assert result.returncode == 0, result.stderr
    event = json.loads(result.stdout)["audit_event"]
    assert event["action"] == "validate_card" and event["card"] == dict(card.raw)


def test_register_refuses_a_bad_card_before_any_request(tmp_path):
    path = edit(tmp_path, "accuracy: 0.948", "accuracy: 0.2")
    result = modelops("register", str(path), "-o", "json")
    assert result.returncode == 2
    assert json.loads(result.stdout)["ok"] is False and "Traceback" not in result.stderr  # JSON also on exit 2
