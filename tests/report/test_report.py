"""`modelops report`: structure and numbers of the rendered page (not pixels), determinism, the BigQuery path
through the official client against a loopback fake, dry run, and bad input."""

from __future__ import annotations

import datetime
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scripts.report import content, period, render, sources
from scripts.report.demo_schema import create
from scripts.report.duck import Duck
from tests.report.fake_bigquery import FakeBigQuery, FakeBigQueryServer
from tests.test_cli import run

ORG_DIR = "tests/fixtures/org"
SECTIONS = ["summary", "usage", "delivery", "quality", "governance"]


class Page(HTMLParser):
    """Sections, figures (data-chart) with whether they hold an inline <svg>, table cells, external references."""

    def __init__(self, text: str):
        super().__init__()
        self.sections: list[str] = []
        self.figures: dict[str, bool] = {}
        self.cells: list[str] = []
        self.external: list[str] = []
        self._figure: str | None = None
        self._cell = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.sections.append(a["id"])
        if tag == "figure":
            self._figure = a["data-chart"]
            self.figures[self._figure] = False
        if tag == "svg" and self._figure:
            self.figures[self._figure] = True
        if tag in ("td", "th"):
            self._cell = True
            self.cells.append("")
        for name in ("src", "href", "xlink:href"):
            if a.get(name) and not a[name].startswith("#"):
                self.external.append(a[name])
        if tag in ("link", "script", "img", "iframe"):
            self.external.append(tag)

    def handle_endtag(self, tag):
        if tag == "figure":
            self._figure = None
        if tag in ("td", "th"):
            self._cell = False

    def handle_data(self, data):
        if self._cell:
            self.cells[-1] += data


def row_after(cells: list[str], label: str, n: int = 1) -> list[str]:
    i = cells.index(label)
    return cells[i + 1 : i + 1 + n]


def test_demo_html_is_one_self_contained_page_with_every_section_chart_and_number(tmp_path):
    result = run("report", "--demo", "--out", str(tmp_path), "--output", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["files"] == [str(tmp_path / "report-platform-2026-11.html")]
    assert doc["sections"] == SECTIONS
    assert doc["charts"] == ["usage-trend", "delivery", "quality", "drift", "exceptions"]
    page = Page(Path(doc["files"][0]).read_text())
    assert page.sections == SECTIONS
    assert page.figures == {name: True for name in doc["charts"]}  # every chart inline SVG
    assert page.external == []  # no file, script, stylesheet or image outside the page
    # Worked out by hand from scripts/report/demo_sample.py:
    assert row_after(page.cells, "Models in production") == ["3"]
    assert row_after(page.cells, "Deployments") == ["5"]  # card-scorer 3, chargeback-forecast 1, clickstream 1
    assert row_after(page.cells, "Change failure rate") == ["20 %"]  # 1 rollback / 5 promotions
    assert row_after(page.cells, "Monitoring all green") == ["67 %"]  # chargeback-forecast's rmse is above 25
    # chargeback-forecast: 140,000 predictions a week, then 42,000 (6,000 a day from 23 November): -70 %.
    assert row_after(page.cells, "fraud/chargeback-forecast", 4) == [  # team/model on the platform page
        "chargeback reserve accuracy",
        "ana.lopez@acme.example",
        "42,000",
        "-70 %",
    ]
    falling = [m for m in doc["measures"] if m["measure"] == "usage_falling"]
    assert falling == [
        {
            "measure_group": "value",
            "measure": "usage_falling",
            "team": "fraud",
            "model": "chargeback-forecast",
            "dimension": "2026-11-23",
            "value": pytest.approx(0.7),
            "owner": "ana.lopez@acme.example",
            "detail": "chargeback reserve accuracy",
        }
    ]
    lead = {m["model"]: m["value"] for m in doc["measures"] if m["measure"] == "lead_time_hours"}
    assert lead == {"card-scorer": 54.0, "chargeback-forecast": 120.0, "clickstream-propensity": 72.0, None: 72.0}


def _render(tmp: Path, fmt: str, team: str | None) -> dict[str, bytes]:
    data = sources.demo(period.parse("2026-11"), team)
    report = content.build(data)
    writer = render.write_html if fmt == "html" else render.write_markdown
    return {p.name: p.read_bytes() for p in writer(report, tmp, "r")}


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_demo_renders_the_same_bytes_every_time(tmp_path, fmt):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = _render(tmp_path / "a", fmt, None), _render(tmp_path / "b", fmt, None)
    assert first and first == second


def test_team_markdown_links_its_pngs_and_names_only_its_models(tmp_path):
    result = run("report", "--demo", "--team", "growth", "--format", "md", "--out", str(tmp_path), "-o", "json")
    assert result.returncode == 0, result.stderr
    files = [Path(f) for f in json.loads(result.stdout)["files"]]
    md = files[0].read_text()
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert linked and sorted(linked) == sorted(f.name for f in files[1:])
    assert all(f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in files[1:])
    assert [line for line in md.splitlines() if line.startswith("## ")] == [
        "## At a glance",
        "## Usage",
        "## Delivery",
        "## Quality and drift",
        "## Governance",
    ]
    assert "clickstream-propensity" in md and "card-scorer" not in md and "chargeback" not in md
    assert "| growth | MLOPS_MON_1 | growth-prod/clickstream-propensity/alerts | 10 |" in md  # 20 -> 30 Nov


def test_bad_period_and_unknown_team_exit_2_with_both_problems():
    result = run("report", "--demo", "--period", "2026-13", "--team", "nope", "--out", "/tmp/unused")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "--period '2026-13': expected a calendar month as YYYY-MM (e.g. 2026-11)",
        "--team nope: no such team (known: fraud, growth)",
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("text", ["2026-11-01", "11-2026", "2026-00", "2026-1"])
def test_periods_that_are_not_a_month_are_refused(text):
    with pytest.raises(period.PeriodError):
        period.parse(text)


def test_period_bounds():
    assert period.parse("2026-12") == period.Period(datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))
    assert period.previous_month(datetime.date(2026, 1, 15)).label == "2025-12"


def _org_duck() -> Duck:
    """The fixture organisation's prod projects on DuckDB: the scorecard the job wrote, and ledger's quality."""
    duck = Duck()
    for catalog in ("orbit-mlops-prod", "orbit-ledger-prod", "orbit-reach-prod", "orbit-scout-prod"):
        duck.execute(f"ATTACH ':memory:' AS \"{catalog}\"")
    teams = [(f'"orbit-{t}-prod"', f"{t}_metadata") for t in ("ledger", "reach", "scout")]
    create(duck.execute, '"orbit-mlops-prod"', "orbit_mlops_governance", teams)

    def score(team, model, measure, value, dimension=None, group="delivery"):
        return {
            "period_start": datetime.date(2026, 11, 1),
            "period_end": datetime.date(2026, 12, 1),
            "measure_group": group,
            "measure": measure,
            "team": team,
            "model": model,
            "dimension": dimension,
            "value": value,
            "owner": "kim.berg@orbit.example" if team else None,
            "detail": None,
            "computed_at": datetime.datetime(2026, 12, 1, 6),
        }

    duck.insert(
        '"orbit-mlops-prod".orbit_mlops_governance.scorecard',
        [
            score("ledger", "pay-scorer", "deployments", 4.0),
            score("ledger", "pay-scorer", "rollbacks", 1.0),
            score("reach", "churn-propensity", "deployments", 9.0),  # another team: not in ledger's report
            score(None, None, "change_failure_rate", 0.1),
            score("ledger", "pay-scorer", "predictions_week", 1234.0, "2026-11-23", "value"),
            {**score("ledger", "pay-scorer", "deployments", 99.0), "period_start": datetime.date(2026, 10, 1)},
        ],
    )
    duck.insert(
        '"orbit-ledger-prod".ledger_metadata.model_quality',
        [
            {
                "evaluation_date": datetime.date(2026, 11, d),
                "model": "pay-scorer",
                "metric": "accuracy",
                "value": 0.95,
                "threshold": 0.9,
                "computed_at": datetime.datetime(2026, 12, 1),
            }
            for d in (5, 6)
        ],
    )
    return duck


def test_reads_bigquery_through_the_official_client(tmp_path):
    fake = FakeBigQuery(_org_duck())
    with FakeBigQueryServer(fake) as server:
        result = run(
            "report",
            "--config-dir",
            ORG_DIR,
            "--team",
            "ledger",
            "--period",
            "2026-11",
            "--out",
            str(tmp_path),
            "--emulator",
            server.url,
            "-o",
            "json",
        )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["source"] == "orbit-mlops-prod.orbit_mlops_governance"
    # A team's report runs its jobs in the team project, where the team's viewers hold BigQuery Job User.
    assert [r["project"] for r in fake.requests] == ["orbit-ledger-prod", "orbit-ledger-prod"]
    params = {p["name"]: p["parameterValue"]["value"] for p in fake.requests[0]["queryParameters"]}
    assert params == {"period_start": "2026-11-01", "team": "ledger"}
    assert "orbit-ledger-prod.ledger_metadata.model_quality" in fake.requests[1]["query"]
    assert "orbit-reach-prod" not in fake.requests[1]["query"]  # a team's report reads only its own tables
    deployments = {(m["team"], m["model"]): m["value"] for m in doc["measures"] if m["measure"] == "deployments"}
    assert deployments == {("ledger", "pay-scorer"): 4.0}  # not reach's, not October's
    page = Page(Path(doc["files"][0]).read_text())
    assert row_after(page.cells, "Change failure rate") == ["25 %"]  # ledger: 1 rollback / 4 promotions
    assert set(page.figures) == {"usage-trend", "delivery", "quality"}


def test_without_credentials_it_prints_the_queries(tmp_path, monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    result = run("report", "--config-dir", ORG_DIR, "--period", "2026-11", "--out", str(tmp_path / "r"), "-o", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["dry_run"] is True and not (tmp_path / "r").exists()
    assert doc["parameters"] == {"period_start": "2026-11-01", "period_end": "2026-12-01", "team": None}
    assert "`orbit-mlops-prod.orbit_mlops_governance.scorecard`" in doc["queries"][0]
    assert doc["job_project"] == "orbit-mlops-prod"  # the platform report: jobs in the platform project


def test_the_committed_demo_page_is_what_the_demo_renders(tmp_path):
    """docs/report-demo is linked from docs/scorecard.md; regenerate it with the two commands in the README."""
    committed = Path(__file__).resolve().parents[2] / "docs" / "report-demo"
    data = sources.demo(period.parse("2026-11"), None)
    report = content.build(data)
    stem = "report-platform-2026-11"
    fresh = [*render.write_html(report, tmp_path, stem), *render.write_markdown(report, tmp_path, stem)]
    assert sorted(p.name for p in committed.iterdir()) == sorted(p.name for p in fresh)
    stale = [p.name for p in fresh if (committed / p.name).read_bytes() != p.read_bytes()]
    assert not stale, f"stale: {stale}; run modelops report --demo --out docs/report-demo (and --format md)"
