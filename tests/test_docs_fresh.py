"""Every generated document is current (`modelops docs --check`), and the generated blocks cannot rot silently."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from scripts.docs import GENERATORS, REPO, DocsRun, generate
from scripts.docs.blocks import MarkersMissing, fill
from tests.helpers import ORG_DIR


def test_a_block_is_refilled_and_prose_around_it_is_kept():
    doc = "Intro.\n<!-- BEGIN GENERATED: t -->\nold\n<!-- END GENERATED: t -->\nSee <!-- BEGIN GENERATED: n -->1<!-- END GENERATED: n --> rules.\n"
    assert fill(doc, {"t": "| a |\n|---|\n", "n": "42"}, document="d") == (
        "Intro.\n<!-- BEGIN GENERATED: t -->\n| a |\n|---|\n<!-- END GENERATED: t -->\n"
        "See <!-- BEGIN GENERATED: n -->42<!-- END GENERATED: n --> rules.\n"
    )


@pytest.mark.parametrize(
    "doc",
    [
        "no markers here\n",
        "<!-- BEGIN GENERATED: t -->x<!-- END GENERATED: t --><!-- BEGIN GENERATED: u --><!-- END GENERATED: u -->",
    ],
)
def test_a_document_whose_markers_do_not_match_its_generator_is_refused(doc):
    with pytest.raises(MarkersMissing, match="markers do not match"):
        fill(doc, {"t": "x"}, document="d")


def test_a_hand_edit_inside_a_generated_block_is_stale(org_config, tmp_path):
    (tmp_path / "docs").mkdir()
    text = (REPO / "docs" / "policies.md").read_text()
    (tmp_path / "docs" / "policies.md").write_text(
        text.replace("| `MLOPS_AUDIT_1` | HIGH |", "| `MLOPS_AUDIT_1` | LOW |")
    )
    run = DocsRun(org_config, repo=tmp_path)
    assert generate(run, check=True, only=("policies",)) == [tmp_path / "docs" / "policies.md"]
    generate(run, check=False, only=("policies",))
    assert (tmp_path / "docs" / "policies.md").read_text() == text


def test_runbook_pages_follow_the_catalog_and_orphans_are_removed(org_config, tmp_path):
    run = DocsRun(org_config, repo=tmp_path)
    generate(run, check=False, only=("runbooks",))
    assert generate(run, check=True, only=("runbooks",)) == []
    (tmp_path / "docs/runbooks/feature-drift.md").write_text("edited by hand")
    (tmp_path / "docs/runbooks/removed-kind.md").write_text("old")
    assert sorted(p.name for p in generate(run, check=True, only=("runbooks",))) == [
        "feature-drift.md",
        "removed-kind.md",
    ]
    generate(run, check=False, only=("runbooks",))
    assert generate(run, check=True, only=("runbooks",)) == []
    assert not (tmp_path / "docs/runbooks/removed-kind.md").exists()


def test_access_doc_lists_every_grant_and_the_pii_columns(org_config, tmp_path):
    from modules.team_iam import TEAM_GRANTS

    (tmp_path / "docs").mkdir()
    shutil.copy(REPO / "docs" / "access.md", tmp_path / "docs" / "access.md")
    generate(DocsRun(org_config, repo=tmp_path), check=False, only=("access",))
    text = (tmp_path / "docs" / "access.md").read_text()
    for grant in TEAM_GRANTS:
        assert grant.why in text
    assert (
        "| `prediction_history` | `caller`, `entity_id`, `pii_features`, `request_payload`, `response_payload` |"
        in text
    )
    assert "ledger-pii-readers@orbit.example" in text


def test_policies_doc_lists_every_rule():
    from policies.engine import registry

    text = (REPO / "docs" / "policies.md").read_text()
    assert all(f"| `{r.id}` |" in text for r in registry.rules())


def test_docs_check_command_runs_every_generator(org_synth_dir, tmp_path):
    """On a copy of the docs: written, then checked clean, then one edit makes `--check` exit 1."""
    docs = tmp_path / "docs"
    shutil.copytree(REPO / "docs", docs)
    args = ["--config-dir", ORG_DIR, "--synth-dir", str(org_synth_dir), "--output", "json"]
    only = [arg for name in GENERATORS if name != "inventories" for arg in ("--only", name)]
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}

    def docs_cmd(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "scripts.cli", "docs", *args, *only, "--docs-dir", str(docs), *extra],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    written = docs_cmd()
    assert written.returncode == 0, written.stdout + written.stderr[-2000:]
    assert str(docs / "teams" / "ledger.md") in json.loads(written.stdout)["written"]
    result = docs_cmd("--check")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert json.loads(result.stdout) == {"check": True, "stale": []}
    (docs / "policies.md").write_text((docs / "policies.md").read_text().replace("| HIGH |", "| LOW |", 1))
    stale = docs_cmd("--check")
    assert stale.returncode == 1 and json.loads(stale.stdout)["stale"] == [str(docs / "policies.md")]
    bad = subprocess.run(
        [sys.executable, "-m", "scripts.cli", "docs", "--check", "--only", "nope"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and f"known: {', '.join(GENERATORS)}" in bad.stderr
