"""Run generated BigQuery SQL on DuckDB: transpile with sqlglot, tables built from the real table specs.

Every table of modules/quality/tables.py's SPECS (the team tables and feature_baseline, as
modules/metadata_tables.py declares them) is created with its columns and types; REQUIRED columns
are NOT NULL, so a query that leaves one unfilled fails here as it would in BigQuery.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from modules.bigquery_tables import Column
from modules.quality import tables
from modules.quality.sql import Dataset, ModelSpec
from scripts.report import demo_schema

DS = Dataset("p", "d")
# NUMERIC (Vertex's request_id) as BIGINT: DuckDB would print a DECIMAL's scale when cast to text.
DUCK_TYPES = {**demo_schema.DUCK_TYPES, "NUMERIC": "BIGINT"}
# The table Vertex AI creates for request/response logging (not ours: its documented schema).
VERTEX_REQUEST_LOG = (
    Column("endpoint", "STRING", ""),
    Column("deployed_model_id", "STRING", ""),
    Column("logging_time", "TIMESTAMP", ""),
    Column("request_id", "NUMERIC", ""),
    Column("request_payload", "STRING", "", "REPEATED"),
    Column("response_payload", "STRING", "", "REPEATED"),
)


def to_duckdb(statement: exp.Expression) -> str:
    """One parsed BigQuery statement as DuckDB SQL, with BigQuery's semantics where the dialects differ.

    BigQuery's COUNTIF returns 0 when there are no input rows
    (https://cloud.google.com/bigquery/docs/reference/standard-sql/aggregate_functions#countif);
    DuckDB's count_if returns NULL there, so it is wrapped in COALESCE(..., 0).
    """

    def countif_zero(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.CountIf) and not isinstance(node.parent, exp.Coalesce):
            return exp.Coalesce(this=node.copy(), expressions=[exp.Literal.number(0)])
        return node

    return statement.transform(countif_zero).sql(dialect="duckdb")


def duck_column(c: Column) -> str:
    kind = DUCK_TYPES[c.type] + ("[]" if c.mode == "REPEATED" else "")
    return f"{c.name} {kind}" + (" NOT NULL" if c.mode == "REQUIRED" else "")


class Duck:
    """An in-memory DuckDB (UTC) with catalog `p` and schema `d`, holding every table the quality SQL uses."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("ATTACH ':memory:' AS p")
        self.con.execute("CREATE SCHEMA p.d")
        for table, spec in tables.SPECS.items():
            self.create_columns(table, spec.columns)

    def create_columns(self, table: str, columns: Iterable[Column]) -> None:
        self.con.execute(f"CREATE TABLE p.d.{table} ({', '.join(duck_column(c) for c in columns)})")

    def create(self, table: str, cols: Iterable[tuple[str, str]]) -> None:
        self.create_columns(table, (Column(name, t, "") for name, t in cols))

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            names = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            self.con.execute(f"INSERT INTO p.d.{table} ({names}) VALUES ({marks})", list(row.values()))

    def run(self, bigquery_sql: Any, day: datetime.date) -> list[dict[str, Any]]:
        """Transpile every statement and run it with @day bound; rows of the last statement."""
        result = None
        for parsed in sqlglot.parse(str(bigquery_sql), read="bigquery"):
            if parsed is None:
                continue
            statement = to_duckdb(parsed)
            params = {"day": day} if "$day" in statement else None
            result = self.con.execute(statement, params) if params else self.con.execute(statement)
        if result is None or result.description is None:
            return []
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def rows(self, table: str) -> list[dict[str, Any]]:
        result = self.con.execute(f"SELECT * FROM p.d.{table}")
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def history_row(
    model: ModelSpec, request_id: str, features: dict, when: datetime.datetime, **extra: Any
) -> dict[str, Any]:
    """A prediction_history row as the serving paths write it: features split by the model's pii flags."""
    pii = {f.name for f in model.features if f.pii}
    return {
        "prediction_time": when,
        "model": model.name,
        "pattern": "online",
        "source": "request_log",
        "request_id": request_id,
        "features": json.dumps({k: v for k, v in features.items() if k not in pii}),
        "pii_features": json.dumps({k: v for k, v in features.items() if k in pii}),
        **extra,
    }
