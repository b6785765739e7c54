"""The scorecard SQL on DuckDB: governance tables as Cloud Logging's sink writes them (scripts/report/demo_schema.py,
with the cited export schema), team tables as modules/metadata_tables.py declares them."""

from __future__ import annotations

import datetime
from typing import Any

import duckdb
import sqlglot

from modules.metadata_tables import POLICY_EXCEPTIONS, TEAM_TABLE_COLUMNS
from modules.scorecard import queries
from modules.scorecard.catalogue import ModelRow, Sources, TeamData
from scripts.report.demo_schema import ACTIVITY, AUDIT, duck_columns
from tests.quality.duck import duck_column, to_duckdb

TEAMS = ("ledger", "reach")
SOURCES = Sources(
    "p",
    "g",
    tuple(TeamData(t, "p", f"{t}_metadata") for t in TEAMS),
    (("orbit-ledger-prod", "ledger"), ("orbit-reach-prod", "reach"), ("orbit-platform-prod", "_platform")),
    ("prod",),
)
NOVEMBER = (datetime.date(2026, 11, 1), datetime.date(2026, 12, 1))


def model(team: str, name: str, pattern: str = "online", **kw: Any) -> ModelRow:
    runtime = {"online": "Vertex AI endpoint", "batch": "batch prediction job", "streaming": "streaming scorer"}
    values = dict(owner=f"owner-{name}@orbit.example", kpi=f"kpi of {name}", usage_drop_threshold=0.3) | kw
    return ModelRow(team, name, pattern, runtime[pattern], **values)


class ScorecardDuck:
    """In-memory DuckDB (UTC): catalog `p`, governance schema `g`, one `<team>_metadata` schema per team."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("ATTACH ':memory:' AS p")
        self.con.execute("CREATE SCHEMA p.g")
        self.con.execute(f"CREATE TABLE p.g.{queries.AUDIT_TABLE} ({AUDIT})")
        self.con.execute(f"CREATE TABLE p.g.{queries.ACTIVITY_TABLE} ({ACTIVITY})")
        self.con.execute(f"CREATE TABLE p.g.{queries.SCORECARD_TABLE} ({duck_columns(queries.SCORECARD_COLUMNS)})")
        columns = ", ".join(duck_column(c) for c in POLICY_EXCEPTIONS)
        self.con.execute(f"CREATE TABLE p.g.{queries.EXCEPTIONS_TABLE} ({columns})")
        for team in TEAMS:
            self.con.execute(f"CREATE SCHEMA p.{team}_metadata")
            for table, cols in TEAM_TABLE_COLUMNS.items():
                ddl = ", ".join(duck_column(c) for c in cols)
                self.con.execute(f"CREATE TABLE p.{team}_metadata.{table} ({ddl})")

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            marks = ", ".join("?" for _ in row)
            self.con.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", list(row.values()))

    def event(self, when: str, team: str, name: str, action: str, version: str, **kw: Any) -> None:
        payload = {
            "team": team,
            "model": name,
            "action": action,
            "env": kw.pop("env", "prod"),
            "outcome": kw.pop("outcome", "succeeded"),
            "dry_run": kw.pop("dry_run", False),
            "result": {"version_id": version, "rolled_back_version": kw.pop("rolled_back", None)},
            "card": kw.pop("card", None),
        }
        assert not kw, kw
        self.insert(
            f"p.g.{queries.AUDIT_TABLE}", [{"timestamp": datetime.datetime.fromisoformat(when), "jsonpayload": payload}]
        )

    def usage(self, team: str, name: str, day: datetime.date, predictions: int, logged: int | None = None) -> None:
        row = {
            "usage_date": day,
            "model": name,
            "predictions": predictions,
            "logged_predictions": predictions if logged is None else logged,
            "computed_at": datetime.datetime(2026, 12, 1),
        }
        self.insert(f"p.{team}_metadata.daily_usage", [row])

    def run(self, group: str, models: list[ModelRow], period=NOVEMBER, sources=SOURCES) -> list[dict[str, Any]]:
        return self.run_sql(queries.query(group, sources, models), period)

    def run_sql(self, bigquery_sql: str, period=NOVEMBER, day: datetime.date | None = None) -> list[dict[str, Any]]:
        result = None
        for parsed in sqlglot.parse(bigquery_sql, read="bigquery"):
            if parsed is None:
                continue
            statement = to_duckdb(parsed)
            values = dict(zip(("period_start", "period_end"), period, strict=True)) | {"day": day}
            params = {k: v for k, v in values.items() if f"${k}" in statement}
            result = self.con.execute(statement, params)
        if result is None or result.description is None:
            return []
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def measures(rows: list[dict[str, Any]], measure: str) -> dict[tuple, Any]:
    """{(team, model, dimension): value} of one measure."""
    picked = [r for r in rows if r["measure"] == measure]
    found = {(r["team"], r["model"], r["dimension"]): r["value"] for r in picked}
    assert len(found) == len(picked), f"duplicate rows for {measure}"
    return found
