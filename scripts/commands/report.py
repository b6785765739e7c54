"""`modelops report`: the month's scorecard and trends as a static page per team or for the platform.

Reads the scorecard table the scheduled job writes and the team tables' daily quality and drift through the
BigQuery client (jobs.query). `--demo` computes everything offline from a bundled sample on DuckDB, so anyone
can see the page without a cloud account. Without Google credentials (and without --demo) it is a dry run: it
prints the queries it would send.
"""

from __future__ import annotations

import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from scripts.commands.options import ConfigDir, Output, OutputFormat, bad_input
from scripts.console import out, print_json

if TYPE_CHECKING:
    from config.model import Config


class ReportFormat(str, Enum):
    html = "html"
    md = "md"


def _validate(period_text: str | None, team: str | None, teams: tuple[str, ...], default: Any) -> tuple[Any, list[str]]:
    """The period, and every problem with it and with the team."""
    from scripts.report.period import PeriodError, parse

    problems: list[str] = []
    period = default
    if period_text is not None:
        try:
            period = parse(period_text)
        except PeriodError as exc:
            problems.append(str(exc))
    if team is not None and team not in teams:
        problems.append(f"--team {team}: no such team (known: {', '.join(teams) or 'none'})")
    return period, problems


def _json_ready(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in r.items()} for r in rows]


def report(
    out_dir: Path = typer.Option(..., "--out", help="Directory to write the report into.", file_okay=False),
    team: Optional[str] = typer.Option(None, "--team", "-t", help="One team's report (default: the platform's)."),
    period: Optional[str] = typer.Option(
        None, "--period", help="Calendar month YYYY-MM (default: the last complete month; with --demo 2026-11)."
    ),
    fmt: ReportFormat = typer.Option(ReportFormat.html, "--format", help="html (one file) or md (with PNG charts)."),
    demo: bool = typer.Option(False, "--demo", help="Render offline from the bundled sample dataset (DuckDB)."),
    env: Optional[str] = typer.Option(None, "--env", "-e", help="Environment to report on (default: prod)."),
    emulator: Optional[str] = typer.Option(
        None, "--emulator", hidden=True, help="Send the BigQuery calls to a loopback emulator (tests)."
    ),
    config_dir: Path = ConfigDir,
    output: OutputFormat = Output,
) -> None:
    """Write the impact report: usage trend, delivery, quality and drift, governance, with charts."""
    from scripts.report import content, render, sources
    from scripts.report import period as periods

    if demo:
        from scripts.report import demo_sample

        chosen, problems = _validate(period, team, demo_sample.TEAMS, periods.parse(demo_sample.PERIOD))
        if problems:
            bad_input(problems)
        data = sources.demo(chosen, team)
    else:
        data_or_plan = _from_bigquery(config_dir, env, period, team, emulator, periods)
        if isinstance(data_or_plan, dict):
            print_json(data_or_plan) if output is OutputFormat.json else out.print(data_or_plan["note"])
            return
        data = data_or_plan
    built = content.build(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"report-{team or 'platform'}-{data.period.label}"
    writer = render.write_html if fmt is ReportFormat.html else render.write_markdown
    files = writer(built, out_dir, stem)
    if output is OutputFormat.json:
        print_json(
            {
                "files": [str(f) for f in files],
                "period": data.period.label,
                "team": team,
                "source": data.source,
                "sections": [s.id for s in built.sections],
                "charts": [c.name for s in built.sections for c in s.charts],
                "measures": _json_ready(built.measures),
            }
        )
    else:
        out.print(f"{len(files)} file(s) written" + "".join(f"\n  {f}" for f in files), highlight=False)


def _from_bigquery(
    config_dir: Path, env: str | None, period_text: str | None, team: str | None, emulator: str | None, periods: Any
) -> Any:
    from config.loader import load_config
    from lifecycle.context import credentials_configured, is_loopback
    from modules.scorecard import catalogue, queries
    from scripts.report import sources

    config = load_config(config_dir)
    env_name = env or "prod"
    problems = []
    if env_name not in config.platform.environments:
        problems.append(f"--env {env_name}: no such environment (known: {', '.join(config.platform.environments)})")
    elif not config.platform.is_production(env_name):
        production = [e for e in config.platform.environments if config.platform.is_production(e)]
        problems.append(
            f"--env {env_name}: not a production environment; the scorecard is computed only in production "
            f"(platform.yaml `production`; production here: {', '.join(production) or 'none'})"
        )
    if emulator and not is_loopback(emulator):
        problems.append(f"--emulator {emulator}: only a loopback address (127.0.0.1, localhost) is allowed")
    default = periods.previous_month(datetime.date.today())
    chosen, more = _validate(period_text, team, tuple(t.name for t in config.teams), default)
    problems += more
    if problems:
        bad_input(problems)
    src = catalogue.sources(config, env_name)
    models = catalogue.models(config)
    if not (emulator or credentials_configured()):
        trends = queries.trends(sources.for_team(src, team))  # the same reads as the live path
        return {
            "dry_run": True,
            "note": "dry run: no Google credentials found (gcloud auth application-default login); "
            "these queries would run (or try --demo):\n" + queries.scorecard_rows(src, team) + "\n" + trends,
            "queries": [queries.scorecard_rows(src, team), trends],
            "job_project": job_project(config, env_name, team),
            "parameters": {
                "period_start": chosen.start.isoformat(),
                "period_end": chosen.end.isoformat(),
                "team": team,
            },
        }
    return sources.bigquery(_client(job_project(config, env_name, team), emulator), src, models, chosen, team)


def job_project(config: Config, env_name: str, team: str | None) -> str:
    """Where the query jobs run: a team's report in the team's project, where its viewers hold BigQuery Job User
    (policies/iam/contract.yaml, viewers); the platform report in the platform project."""
    if team is not None and env_name in config.team(team).environments:
        return config.team(team).environments[env_name].project_id
    return config.platform.environments[env_name].project_id


def _client(project: str, emulator: str | None) -> Any:
    """The official client; anonymous against a loopback emulator (never send real tokens over plain HTTP)."""
    from google.cloud import bigquery

    if emulator:
        from google.auth.credentials import AnonymousCredentials

        return bigquery.Client(
            project=project, credentials=AnonymousCredentials(), client_options={"api_endpoint": emulator}
        )
    return bigquery.Client(project=project)


def register(app: typer.Typer) -> None:
    app.command()(report)
