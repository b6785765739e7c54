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


def _row(measure: str, team: str, value: float, dimension: str = "2026-11-23") -> dict:
    return dict(
        measure_group="value",
        measure=measure,
        team=team,
        model="scorer",
        dimension=dimension,
        value=value,
        owner=f"owner@{team}.example",
        detail="kpi",
    )


def test_two_teams_with_the_same_model_name_stay_two_models():
    from modules.scorecard.catalogue import ModelRow

    models = tuple(
        ModelRow(team, "scorer", "online", "Vertex AI endpoint", f"owner@{team}.example", "kpi", threshold)
        for team, threshold in (("ledger", 0.1), ("reach", 0.5))
    )
    scorecard = [
        _row("predictions_week", "ledger", 1000.0),
        _row("predictions_week", "reach", 10.0),
        _row("usage_falling", "ledger", 0.2),
        _row("usage_falling", "reach", 0.6),
    ]
    data = sources.ReportData(period.parse("2026-11"), None, models, scorecard, [], "demo")
    usage = next(s for s in content.build(data).sections if s.id == "usage")
    tables = dict(usage.tables)
    assert [r[0] for r in tables["Last complete week"].rows] == ["ledger/scorer", "reach/scorer"]
    assert [r[3] for r in tables["Last complete week"].rows] == ["1,000", "10"]
    falling = tables["Falling usage: the owner asks why"].rows
    assert [(r[0], r[3]) for r in falling] == [("ledger/scorer", "10 %"), ("reach/scorer", "50 %")]
    [chart] = usage.charts
    assert "ledger/scorer" in chart.svg() and "reach/scorer" in chart.svg()  # two series, not one
    team_page = content.build(dataclasses.replace(data, team="reach", models=models[1:]))
    team_usage = dict(next(s for s in team_page.sections if s.id == "usage").tables)
    assert [r[0] for r in team_usage["Last complete week"].rows] == ["scorer"]
