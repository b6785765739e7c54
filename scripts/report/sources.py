"""Where the report's numbers come from: the scorecard table and the team tables in BigQuery, or the bundled sample.

Both read the same SQL (modules/scorecard/queries.py): the scheduled job's scorecard rows of the period (for a
team, its own rows and the platform-wide ones) and the daily quality and drift of the period from the team
tables. Neither reads a column marked pii.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from modules.scorecard import queries
from modules.scorecard.catalogue import ModelRow, Sources
from scripts.report.period import Period


@dataclass(frozen=True)
class ReportData:
    period: Period
    team: str | None
    models: tuple[ModelRow, ...]  # the models the report covers
    scorecard: list[dict[str, Any]]  # measure_group, measure, team, model, dimension, value, owner, detail
    trends: list[dict[str, Any]]  # series, team, model, name, day, value, threshold
    source: str  # "demo" or the governance dataset read


def for_team(sources: Sources, team: str | None) -> Sources:
    return sources if team is None else replace(sources, teams=tuple(t for t in sources.teams if t.team == team))


def _params(period: Period, team: str | None) -> dict[str, Any]:
    return {"period_start": period.start, "period_end": period.end, "team": team}


def demo(period: Period, team: str | None) -> ReportData:
    """Compute the scorecard from the bundled sample with the scheduled job's statements, then read it back."""
    from scripts.report import demo_sample, demo_schema
    from scripts.report.duck import Duck

    duck = Duck()
    sample = demo_sample
    demo_schema.create(
        duck.execute, sample.PROJECT, sample.GOVERNANCE, [(sample.PROJECT, f"{t}_metadata") for t in sample.TEAMS]
    )
    for table, rows in sample.rows().items():
        duck.insert(f"{sample.PROJECT}.{table}", rows)
    params = _params(period, team)
    for group in queries.GROUPS:
        duck.query(queries.replace_period(group, sample.SOURCES, sample.MODELS), params)
    scorecard = duck.query(queries.scorecard_rows(sample.SOURCES, team), params)
    trends = duck.query(queries.trends(for_team(sample.SOURCES, team)), params)
    models = tuple(m for m in sample.MODELS if team in (None, m.team))
    return ReportData(period, team, models, _plain(scorecard), _plain(trends), "demo")


def bigquery(client: Any, sources: Sources, models: Sequence[ModelRow], period: Period, team: str | None) -> ReportData:
    """Two queries through the official client (jobs.query; getQueryResults for further pages)."""
    from google.cloud import bigquery as bq

    def run(sql: str) -> list[dict[str, Any]]:
        types = {"period_start": "DATE", "period_end": "DATE", "team": "STRING"}
        used = [
            bq.ScalarQueryParameter(name, types[name], value)
            for name, value in _params(period, team).items()
            if f"@{name}" in sql
        ]
        result = client.query_and_wait(sql, job_config=bq.QueryJobConfig(query_parameters=used))
        return [dict(row.items()) for row in result]

    scorecard = run(queries.scorecard_rows(sources, team))
    trends = run(queries.trends(for_team(sources, team)))
    covered = tuple(m for m in models if team in (None, m.team))
    source = f"{sources.governance_project}.{sources.governance_dataset}"
    return ReportData(period, team, covered, _plain(scorecard), _plain(trends), source)


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dates as datetime.date (DuckDB may give datetimes for DATE_TRUNC results), numbers as float."""
    out = []
    for row in rows:
        clean = dict(row)
        for key, value in clean.items():
            if isinstance(value, datetime.datetime) and key != "computed_at":  # a DATE column, not the stamp
                clean[key] = value.date()
            elif isinstance(value, int) and not isinstance(value, bool):
                clean[key] = float(value)
        out.append(clean)
    return out
