"""`modelops report` input checks and what the page says about its data: periods datetime cannot hold, a
non-production environment (no scorecard there), the dry-run plan for one team, the data's freshness."""

from __future__ import annotations

import dataclasses
import datetime
import json

import pytest

from config import names
from scripts.report import content, period, sources
from tests.test_cli import run

ORG_DIR = "tests/fixtures/org"


@pytest.mark.parametrize("text", ["0000-01", "9999-12"])
def test_a_year_out_of_range_exits_2(text):
    result = run("report", "--demo", "--period", text, "--out", "/tmp/unused", "-o", "json")
    assert result.returncode == 2, result.stderr
    assert f"--period '{text}'" in result.stderr and "out of range" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_non_production_environment_exits_2(tmp_path):
    result = run("report", "--config-dir", ORG_DIR, "--env", "dev", "--out", str(tmp_path / "r"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("--env dev: not a production environment")
    assert "production here: prod" in result.stderr and not (tmp_path / "r").exists()


def test_the_dry_run_plan_for_a_team_reads_only_its_tables(tmp_path, monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    result = run("report", "--config-dir", ORG_DIR, "--team", "reach", "--out", str(tmp_path / "r"), "-o", "json")
    assert result.returncode == 0, result.stderr
    trends = json.loads(result.stdout)["queries"][1]
    assert names.metadata_dataset_id("reach") in trends
    assert names.metadata_dataset_id("ledger") not in trends and names.metadata_dataset_id("scout") not in trends


def test_the_page_says_how_far_the_data_reaches_and_flags_a_partial_month():
    november = period.parse("2026-11")
    data = sources.demo(november, None)
    assert content.freshness(data) == "data up to 2026-11-30"
    cut = [r | {"period_end": datetime.date(2026, 11, 18)} for r in data.scorecard]
    partial = dataclasses.replace(data, scorecard=cut)
    assert content.freshness(partial) == "PARTIAL MONTH: data up to 2026-11-17 only"
    assert "PARTIAL MONTH" in content.build(partial).subtitle
    assert content.freshness(dataclasses.replace(data, scorecard=[])) == "no scorecard rows for this period"


def test_a_bigquery_page_also_says_when_the_scorecard_was_computed():
    data = sources.demo(period.parse("2026-11"), None)
    stamp = datetime.datetime(2026, 12, 1, 7, 3, tzinfo=datetime.UTC)
    live = dataclasses.replace(
        data,
        source="orbit-mlops-prod.orbit_mlops_governance",
        scorecard=[r | {"computed_at": stamp} for r in data.scorecard],
    )
    assert content.freshness(live) == "data up to 2026-11-30, computed 2026-12-01T07:03:00+00:00"
