"""Run generated BigQuery SQL on DuckDB: transpile with sqlglot, tables built from the column contract."""
from __future__ import annotations

import datetime
import json
from typing import Any, Iterable

import duckdb
import sqlglot

from modules.quality import tables
from modules.quality.sql import Dataset

DS = Dataset("p", "d")
DUCK_TYPES = {"STRING": "VARCHAR", "FLOAT64": "DOUBLE", "INT64": "BIGINT", "JSON": "JSON",
              "TIMESTAMP": "TIMESTAMP", "DATE": "DATE"}


class Duck:
    """An in-memory DuckDB with catalog `p` and schema `d`, holding every contract table."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.con.execute("ATTACH ':memory:' AS p")
        self.con.execute("CREATE SCHEMA p.d")
        for table, cols in tables.CONTRACT.items():
            self.create(table, [(name, bq_type) for name, bq_type, _ in cols])

    def create(self, table: str, cols: Iterable[tuple[str, str]]) -> None:
        body = ", ".join(f"{name} {DUCK_TYPES.get(t, t)}" for name, t in cols)
        self.con.execute(f"CREATE TABLE p.d.{table} ({body})")

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            row = {k: json.dumps(v) if k == "features" else v for k, v in row.items()}
            names = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            self.con.execute(f"INSERT INTO p.d.{table} ({names}) VALUES ({marks})", list(row.values()))

    def run(self, bigquery_sql: str, day: datetime.date) -> list[dict[str, Any]]:
        """Transpile every statement and run it with @day bound; rows of the last statement."""
        result = None
        for statement in sqlglot.transpile(bigquery_sql, read="bigquery", write="duckdb"):
            params = {"day": day} if "$day" in statement else None
            result = self.con.execute(statement, params) if params else self.con.execute(statement)
        if result is None or result.description is None:
            return []
        names = [d[0] for d in result.description]
        return [dict(zip(names, row)) for row in result.fetchall()]

    def rows(self, table: str) -> list[dict[str, Any]]:
        result = self.con.execute(f"SELECT * FROM p.d.{table}")
        names = [d[0] for d in result.description]
        return [dict(zip(names, row)) for row in result.fetchall()]
