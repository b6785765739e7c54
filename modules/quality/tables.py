"""The team-dataset tables the quality SQL reads and writes, as declared in modules/metadata_tables.py.

No second list of columns: ids, columns, types and partition columns all come from the table
specs the team stack creates (``metadata_tables.team_table_specs`` and ``feature_baseline``).
The generated SQL checks the columns it writes against these specs, docs/monitoring.md's column
contract is generated from them, and the DuckDB tests build their fixtures from them.
"""

from __future__ import annotations

from config import names
from modules import metadata_tables
from modules.bigquery_tables import Column, TableSpec

# Table ids (config/names.py), under the short names the SQL uses.
PREDICTION_HISTORY = names.PREDICTION_HISTORY_TABLE
DAILY_USAGE = names.DAILY_USAGE_TABLE
MODEL_QUALITY = names.MODEL_QUALITY_TABLE
DATA_QUALITY = names.DATA_QUALITY_TABLE
DRIFT = names.DRIFT_TABLE
GROUND_TRUTH = names.GROUND_TRUTH_TABLE
FEATURE_BASELINE = names.FEATURE_BASELINE_TABLE

# The tables the quality SQL uses, by name (partition expiration is the team's; irrelevant here).
SPECS: dict[str, TableSpec] = {
    s.name: s for s in (*metadata_tables.team_table_specs(None), metadata_tables.feature_baseline())
}

# Tables the quality workflow writes (one DELETE+INSERT per day and model, so reruns are idempotent).
DAILY_TABLES = (DAILY_USAGE, DATA_QUALITY, DRIFT, MODEL_QUALITY)


def columns(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in SPECS[table].columns)


def day_column(table: str) -> str:
    """The DATE column a daily table is partitioned on (usage_date, check_date, evaluation_date)."""
    return SPECS[table].partition_field


def required(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in SPECS[table].columns if c.mode == "REQUIRED")


def _row(c: Column, spec: TableSpec) -> str:
    notes = [n for n, on in (("partition", c.name == spec.partition_field), ("pii", c.pii)) if on]
    mode = c.mode + (f" ({', '.join(notes)})" if notes else "")
    return f"| `{c.name}` | {c.type} | {mode} | {c.description} |"


def contract_markdown() -> str:
    """The column contract as markdown tables, for docs/monitoring.md."""
    parts = []
    for table, spec in SPECS.items():
        rows = "\n".join(_row(c, spec) for c in spec.columns)
        parts.append(
            f"#### `{table}`\n\n{spec.description}\n\n| Column | Type | Mode | Meaning |\n|---|---|---|---|\n{rows}\n"
        )
    return "\n".join(parts)
