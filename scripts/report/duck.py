"""BigQuery SQL on DuckDB for `modelops report --demo`: sqlglot transpiles, DuckDB runs, nothing leaves the machine.

BigQuery's COUNTIF returns 0 over no rows
(https://cloud.google.com/bigquery/docs/reference/standard-sql/aggregate_functions#countif), DuckDB's count_if
NULL: wrapped in COALESCE(..., 0) as in the quality SQL tests.
"""

from __future__ import annotations

import datetime
from typing import Any


def _import() -> tuple[Any, Any]:
    try:
        import duckdb
        import sqlglot
    except ImportError as exc:  # test extra of pyproject.toml
        raise RuntimeError("--demo needs duckdb and sqlglot: pip install 'modelops-platform[test]'") from exc
    return duckdb, sqlglot


def to_duckdb(sqlglot: Any, statement: Any) -> str:
    from sqlglot import exp

    def countif_zero(node: Any) -> Any:
        if isinstance(node, exp.CountIf) and not isinstance(node.parent, exp.Coalesce):
            return exp.Coalesce(this=node.copy(), expressions=[exp.Literal.number(0)])
        return node

    return str(statement.transform(countif_zero).sql(dialect="duckdb"))


class Duck:
    """An in-memory DuckDB in UTC with catalog ``p``."""

    def __init__(self) -> None:
        duckdb, self.sqlglot = _import()
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("ATTACH ':memory:' AS p")

    def execute(self, sql: str, params: list[Any] | None = None) -> None:
        self.con.execute(sql, params or [])

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            marks = ", ".join("?" for _ in row)
            self.con.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", list(row.values()))

    def query(self, bigquery_sql: str, params: dict[str, datetime.date | str]) -> list[dict[str, Any]]:
        """Every statement transpiled and run with the named parameters it uses; rows of the last."""
        result = None
        for parsed in self.sqlglot.parse(bigquery_sql, read="bigquery"):
            if parsed is None:
                continue
            statement = to_duckdb(self.sqlglot, parsed)
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            result = self.con.execute(statement, used)
        if result is None or result.description is None:
            return []
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
