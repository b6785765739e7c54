"""Provider conformance and the replacement preview through the real CLI (`modelops check`), as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.helpers import ORG, ORG_DIR, git
from tests.test_cli import REPO, run

TODAY = "2026-11-01"


def _mutated(org_synth_dir: Path, tmp_path: Path, stack: str, mutate) -> Path:
    out = tmp_path / "cdktf.out"
    shutil.copytree(org_synth_dir, out)
    file = out / "stacks" / stack / "cdk.tf.json"
    doc = json.loads(file.read_text())
    mutate(doc["resource"])
    file.write_text(json.dumps(doc))
    return out


def _one(resources: dict, tf_type: str) -> tuple[str, dict]:
    name, conf = next(iter(resources[tf_type].items()))
    return f"{tf_type}.{name}", conf


def _check(synth: Path, *args: str) -> dict:
    result = run(
        "check", "--config-dir", ORG_DIR, "--synth-dir", str(synth), "--today", TODAY, "--output", "json", *args
    )
    assert "Traceback" not in result.stderr, result.stderr
    doc = json.loads(result.stdout)
    assert result.returncode == doc["summary"]["exit_code"]
    return {"exit": result.returncode, "findings": doc["findings"]}


def _set(tf_type, **values):
    def mutate(resources):
        _, conf = _one(resources, tf_type)
        conf.update(values)

    return mutate


def _pop(tf_type, key):
    return lambda resources: _one(resources, tf_type)[1].pop(key)


TWO_KEYS = [
    {"kms_key_name": "projects/p/locations/l/keyRings/r/cryptoKeys/a"},
    {"kms_key_name": "projects/p/locations/l/keyRings/r/cryptoKeys/b"},
]

MUTATIONS = {
    "misspelt attribute": (
        "team-ledger-prod",
        "MLOPS_TF_2",
        "google_vertex_ai_endpoint",
        _set("google_vertex_ai_endpoint", display_nam="x"),
        "`display_nam` is not an argument",
    ),
    "enum value outside the list": (
        "team-ledger-prod",
        "MLOPS_TF_5",
        "google_monitoring_alert_policy",
        _set("google_monitoring_alert_policy", combiner="XOR"),
        "'XOR' is not one of AND, OR",
    ),
    "conflicting pair": (
        "team-ledger-prod",
        "MLOPS_TF_6",
        "google_vertex_ai_endpoint",
        _set("google_vertex_ai_endpoint", network="projects/123/global/networks/default"),
        "`network` conflicts with `private_service_connect_config`",
    ),
    "standard-only argument on autopilot": (
        "platform-prod",
        "MLOPS_TF_6",
        "google_container_cluster",
        _set("google_container_cluster", default_max_pods_per_node=32),
        "Autopilot clusters do not accept",
    ),
    "missing required attribute": (
        "team-ledger-prod",
        "MLOPS_TF_3",
        "google_bigquery_dataset",
        _pop("google_bigquery_dataset", "dataset_id"),
        "required argument `dataset_id`",
    ),
    "list for a single block": (
        "team-ledger-prod",
        "MLOPS_TF_4",
        "google_bigquery_dataset",
        _set("google_bigquery_dataset", default_encryption_configuration=TWO_KEYS),
        "takes one block (MaxItems 1); 2 given",
    ),
}


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_a_provider_rule_broken_in_synthesized_json_exits_1_with_a_finding_on_that_resource(
    case, org_synth_dir, tmp_path
):
    stack, rule, tf_type, mutate, text = MUTATIONS[case]
    synth = _mutated(org_synth_dir, tmp_path, stack, mutate)
    address, _ = _one(json.loads((synth / "stacks" / stack / "cdk.tf.json").read_text())["resource"], tf_type)
    args = ("--team", "ledger") if stack.startswith("team-") else ()
    result = _check(synth, *args)
    assert result["exit"] == 1
    [finding] = [f for f in result["findings"] if f["rule"] == rule]
    assert (finding["stack"], finding["address"]) == (stack, address)
    assert text in finding["message"] and finding["file"].startswith(f"{ORG_DIR}/") and finding["line"] >= 1


def test_the_example_has_no_provider_conformance_finding(org_synth_dir):
    result = _check(org_synth_dir)
    assert [f for f in result["findings"] if f["rule"].startswith("MLOPS_TF_")] == []


def test_replacement_preview_from_a_base_synth_dir(org_synth_dir, tmp_path):
    def change(resources):
        _one(resources, "google_bigquery_dataset")[1]["location"] = "US"
        _one(resources, "google_vertex_ai_endpoint")[1]["name"] = "1111111111"

    head = _mutated(org_synth_dir, tmp_path, "team-ledger-prod", change)
    result = _check(head, "--team", "ledger", "--base-synth-dir", str(org_synth_dir))
    assert result["exit"] == 1
    replaced = {f["address"].split(".")[0]: f["message"] for f in result["findings"] if f["rule"] == "MLOPS_TF_9"}
    assert set(replaced) == {"google_bigquery_dataset", "google_vertex_ai_endpoint"}
    assert '`location` "europe-west4" -> "US"' in replaced["google_bigquery_dataset"]
    assert (
        '`name` "8650218335" -> "1111111111"' in replaced["google_vertex_ai_endpoint"]
        or '-> "1111111111"' in replaced["google_vertex_ai_endpoint"]
    )
    assert all("destroys and recreates" in m for m in replaced.values())
    # the same stacks as base and head: nothing is replaced
    assert [
        f
        for f in _check(org_synth_dir, "--team", "ledger", "--base-synth-dir", str(org_synth_dir))["findings"]
        if f["rule"] in ("MLOPS_TF_9", "MLOPS_TF_10")
    ] == []


def test_base_synth_dir_without_stacks_is_bad_input(tmp_path):
    result = run("check", "--base-synth-dir", str(tmp_path), "--today", TODAY)
    assert result.returncode == 2 and "--base-synth-dir" in result.stderr and "Traceback" not in result.stderr


# The project's packages, as pyproject.toml declares them for the install.
PACKAGES = tuple(
    p.rstrip("*")
    for p in tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
)


def test_changed_from_synthesizes_the_base_revision_in_a_worktree_and_previews_replacements(tmp_path):
    """A real repository: the base is synthesized by its own code in a temporary git worktree."""
    repo = tmp_path / "repo"
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if name.startswith(("infra/", *(f"{p}/" for p in PACKAGES))) and (REPO / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / name, repo / name)
    shutil.rmtree(repo / "infra" / "teams")  # the fixture organisation as this repository's config
    shutil.copytree(ORG / "teams", repo / "infra" / "teams")
    shutil.copy(ORG / "platform.yaml", repo / "infra" / "platform.yaml")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    ledger = repo / "infra" / "teams" / "ledger.yaml"
    ledger.write_text(ledger.read_text().replace("project_id: orbit-ledger-prod", "project_id: orbit-ledger-prod-2"))
    result = run(
        "check",
        "--config-dir",
        str(repo / "infra"),
        "--changed-from",
        "HEAD",
        "--today",
        TODAY,
        "--output",
        "json",
        cwd=repo,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr[-2000:]
    doc = json.loads(result.stdout)
    # the prod project moved: ledger's prod stack and the platform stack that grants that project access
    assert set(doc["stacks"]) == {"platform-prod", "team-ledger-prod"}
    replaced = [f for f in doc["findings"] if f["rule"] == "MLOPS_TF_9"]
    assert replaced and all(f["stack"] == "team-ledger-prod" for f in replaced)
    dataset = [f for f in replaced if f["address"].startswith("google_bigquery_dataset.")]
    assert dataset and '`project` "orbit-ledger-prod" -> "orbit-ledger-prod-2"' in dataset[0]["message"]
    assert git(repo, "worktree", "list").count("\n") == 1  # the temporary worktree is gone
