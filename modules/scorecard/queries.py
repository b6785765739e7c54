"""The scorecard's BigQuery SQL: one .sql file per measure group (modules/scorecard/sql/), rendered for a config.

Each file selects rows of ``measure, team, model, dimension, value[, owner][, detail]`` for the period given by
the named parameters ``@period_start`` (DATE, first day) and ``@period_end`` (DATE, exclusive: the first day of the
next month, or the run day for a month in progress). ``query`` wraps a group into rows of the scorecard table
(``SCORECARD_COLUMNS``). Placeholders (``$name``, string.Template) are filled with tables and inline data from
validated config: identifiers match ``[A-Za-z0-9_-]``, literals are quoted by ``literal``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from pathlib import Path

from config import names
from modules.bigquery_tables import Column
from modules.metadata_tables import DAILY_USAGE_COLUMNS, DATA_QUALITY_COLUMNS, DRIFT_COLUMNS, MODEL_QUALITY_COLUMNS
from modules.scorecard.catalogue import ModelRow, Sources

SQL_DIR = Path(__file__).parent / "sql"
GROUPS = ("adoption", "delivery", "value", "governance")
OUTPUT = ("measure", "team", "model", "dimension", "value", "owner", "detail")
# The columns each group's file selects (the others are NULL in the scorecard table).
PROVIDED = {
    "adoption": OUTPUT[:6],
    "delivery": OUTPUT[:5],
    "value": OUTPUT,
    "governance": OUTPUT,
}
SCORECARD_TABLE = "scorecard"
AUDIT_TABLE = "modelops_audit"  # the `modelops-audit` log's table (modules/governance.py)
ACTIVITY_TABLE = "cloudaudit_googleapis_com_activity"  # Admin Activity audit logs (same sink)
EXCEPTIONS_TABLE = "policy_exceptions"  # modules/metadata_tables.py, governance_tables()

SCORECARD_COLUMNS = (
    Column("period_start", "DATE", "First day of the period (a calendar month).", "REQUIRED"),
    Column("period_end", "DATE", "Day after the last day the numbers cover.", "REQUIRED"),
    Column("measure_group", "STRING", "adoption, delivery, value or governance.", "REQUIRED"),
    Column("measure", "STRING", "Measure name (docs/scorecard.md).", "REQUIRED"),
    Column("team", "STRING", "Team; NULL for a platform-wide number."),
    Column("model", "STRING", "Model; NULL for a team or platform number."),
    Column("dimension", "STRING", "pattern/runtime, ISO week start, policy rule or expiry bucket."),
    Column("value", "FLOAT64", "The number (NULL when undefined, e.g. a rate without promotions)."),
    Column("owner", "STRING", "Who acts on it: the model's impact owner or the exception's approver."),
    Column("detail", "STRING", "The model's KPI, or the suppressed resource."),
    Column("computed_at", "TIMESTAMP", "When the job wrote the row.", "REQUIRED"),
)

# Columns of the team tables the scorecard reads, and the window (from the period's parameters) it reads them in.
_TEAM_READS: dict[str, tuple[tuple[Column, ...], tuple[str, ...], str, str]] = {
    "usage": (
        DAILY_USAGE_COLUMNS,
        ("usage_date", "model", "predictions", "logged_predictions"),
        names.DAILY_USAGE_TABLE,
        "DATE_SUB(DATE_TRUNC(@period_start, ISOWEEK), INTERVAL 7 DAY)",
    ),
    "model_quality": (
        MODEL_QUALITY_COLUMNS,
        ("evaluation_date", "model", "metric", "value", "threshold"),
        names.MODEL_QUALITY_TABLE,
        "DATE_SUB(@period_end, INTERVAL 7 DAY)",
    ),
    "drift": (
        DRIFT_COLUMNS,
        ("check_date", "model", "feature", "psi", "threshold"),
        names.DRIFT_TABLE,
        "DATE_SUB(@period_end, INTERVAL 7 DAY)",
    ),
    "data_quality": (
        DATA_QUALITY_COLUMNS,
        ("check_date", "model", "feature", "missing_ratio", "threshold"),
        names.DATA_QUALITY_TABLE,
        "DATE_SUB(@period_end, INTERVAL 7 DAY)",
    ),
}
# The whole period, for the report's trend charts (trends.sql): the same reads from the period's start.
_TEAM_READS |= {
    f"{name}_period": (*_TEAM_READS[name][:3], "@period_start") for name in ("model_quality", "drift", "data_quality")
}


def literal(value: str | float) -> str:
    """A BigQuery literal: strings quoted with backslash escapes (lexical structure, string literals)."""
    if isinstance(value, float | int):
        return repr(float(value))
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _inline(rows: Sequence[Sequence[str | float]], columns: Sequence[str], types: Sequence[str]) -> str:
    """An inline table: UNNEST of a typed array of structs, a row per tuple and a column per field, typed with no
    rows too ("UNNEST and structs", https://cloud.google.com/bigquery/docs/reference/standard-sql/query-syntax).
    The column names are written once, not once per row: the workflow source has a size limit (job.py)."""
    if len(columns) < 2:
        raise ValueError("a one-column tuple is a parenthesised value in GoogleSQL, not a struct")
    fields = ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True))
    tuples = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    return f"SELECT * FROM UNNEST(ARRAY<STRUCT<{fields}>>[{tuples}])"


def models_table(models: Sequence[ModelRow]) -> str:
    columns = ("team", "model", "pattern", "runtime", "owner", "kpi", "usage_drop_threshold")
    types = ("STRING",) * 6 + ("FLOAT64",)
    rows = [(m.team, m.model, m.pattern, m.runtime, m.owner, m.kpi, m.usage_drop_threshold) for m in models]
    return _inline(rows, columns, types)


TEAM_READS = tuple(_TEAM_READS)


def team_read_parts(read: str) -> tuple[str, str, str]:
    """One team's SELECT of a read is ``head + team + mid + "<project>.<dataset>" + tail``: the workflow builds
    the union from the team list with these (``job.expand_subworkflow``), so the source holds each read once."""
    _, wanted, table, since = _TEAM_READS[read]
    date_column = wanted[0]
    return (
        "SELECT '",
        f"' AS team, {', '.join(wanted)} FROM `",
        f".{table}` WHERE {date_column} >= {since} AND {date_column} < @period_end",
    )


def plain_team_name(team: str) -> str:
    """The name as its own literal's text: team names match [a-z0-9-] (config schema), so quoting adds nothing."""
    if literal(team) != f"'{team}'":
        raise ValueError(f"team name {team!r} would need escaping in a SQL literal")
    return team


def _team_reads(sources: Sources, read: str) -> str:
    table_columns, wanted, _, _ = _TEAM_READS[read]
    types = {c.name: c.type for c in table_columns}
    head, mid, tail = team_read_parts(read)
    selects = [head + plain_team_name(t.team) + mid + f"{t.project}.{t.dataset}" + tail for t in sources.teams]
    if not selects:
        return "(" + _inline([], ("team", *wanted), ("STRING", *(types[c] for c in wanted))) + ")"
    return "(" + " UNION ALL ".join(selects) + ")"


def audit_source(sources: Sources, audit_table: bool = True) -> str:
    """``timestamp, payload`` of the audit log: its payload as JSON text (events.sql says why), or, before Cloud
    Logging has created the table (first event), a typed empty table so the groups still run."""
    if not audit_table:
        return "(" + _inline([], ("timestamp", "payload"), ("TIMESTAMP", "STRING")) + ")"
    return f"(SELECT timestamp, TO_JSON_STRING(jsonpayload) AS payload FROM {sources.governance(AUDIT_TABLE)})"


def uses_audit(group: str) -> bool:
    """Whether the group reads the audit log (then the job runs it only once the table exists, or without it)."""
    return "$events" in (SQL_DIR / f"{group}.sql").read_text()


def audit_table_exists(sources: Sources) -> str:
    """One row when Cloud Logging has created the audit table. INFORMATION_SCHEMA.TABLES
    (https://cloud.google.com/bigquery/docs/information-schema-tables) answers without an error when it has not."""
    return (
        f"SELECT table_name FROM `{sources.governance_project}.{sources.governance_dataset}.INFORMATION_SCHEMA.TABLES` "
        f"WHERE table_name = {literal(AUDIT_TABLE)}"
    )


def fragments(sources: Sources, models: Sequence[ModelRow]) -> dict[str, str]:
    """The configuration-sized pieces the groups embed (``$name`` in the .sql files): the lifecycle events (with
    the audit source left as ``marker(AUDIT)``), the model and project catalogues and the team reads. Their size
    grows with teams and models, so the workflow holds each once and expands it into a statement at run time
    (``job.expand_subworkflow``) instead of inlining it into every statement (Workflows' 128 KB source limit)."""
    events = string.Template((SQL_DIR / "events.sql").read_text()).substitute(
        audit=marker(AUDIT),
        production_envs=", ".join(literal(e) for e in sources.production_envs),
    )
    projects = _inline(sources.projects, ("project", "team"), ("STRING", "STRING"))
    return {
        "events": _strip_comments(events),
        "models": models_table(models),
        "projects": f"({projects})",
        **{read: _team_reads(sources, read) for read in _TEAM_READS},
    }


AUDIT = "audit"  # the one piece chosen at run time: the audit table, or an empty one before it exists


def marker(name: str) -> str:
    """Where a fragment goes in a statement the workflow expands: not SQL, so one left over fails the query."""
    return f"__scorecard_{name}__"


def expand(sql: str, pieces: dict[str, str], audit: str) -> str:
    """What the workflow's expansion does (``job.expand_subworkflow``): the pieces in order, then the audit."""
    for name, text in pieces.items():
        sql = sql.replace(marker(name), text)
    return sql.replace(marker(AUDIT), audit)


def render(
    group: str, sources: Sources, models: Sequence[ModelRow], audit_table: bool = True, *, expanded: bool = True
) -> str:
    """The group's SELECT for this configuration (still with the @period_start/@period_end parameters).

    ``expanded=False`` leaves each fragment as its ``marker`` (the form the workflow holds)."""
    pieces = fragments(sources, models)
    text = string.Template((SQL_DIR / f"{group}.sql").read_text()).substitute(
        exceptions=sources.governance(EXCEPTIONS_TABLE),
        activity=sources.governance(ACTIVITY_TABLE),
        **{name: marker(name) for name in pieces},
    )
    return expand(text, pieces, audit_source(sources, audit_table)) if expanded else text


def trends(sources: Sources) -> str:
    """Daily quality metrics and drift of the period (trends.sql), for the report's charts."""
    return render("trends", sources, ())


def scorecard_rows(sources: Sources, team: str | None) -> str:
    """The report's read of the scorecard table: one period, and for a team its own rows plus platform-wide ones."""
    where = "period_start = @period_start" + (" AND (team = @team OR team IS NULL)" if team else "")
    columns = ", ".join(c for c in ("measure_group", *OUTPUT, "period_end", "computed_at"))
    return f"SELECT {columns} FROM {sources.governance(SCORECARD_TABLE)} WHERE {where}"


def _strip_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def query(
    group: str, sources: Sources, models: Sequence[ModelRow], audit_table: bool = True, *, expanded: bool = True
) -> str:
    """Rows of the scorecard table for one group and period."""
    provided = PROVIDED[group]
    picked = ", ".join(f"s.{c}" if c in provided else f"CAST(NULL AS STRING) AS {c}" for c in OUTPUT)
    return (
        f"SELECT @period_start AS period_start, @period_end AS period_end, {literal(group)} AS measure_group, "
        f"{picked}, CURRENT_TIMESTAMP() AS computed_at\nFROM (\n{render(group, sources, models, audit_table, expanded=expanded)}\n) AS s"
    )


def replace_period(
    group: str, sources: Sources, models: Sequence[ModelRow], audit_table: bool = True, *, expanded: bool = True
) -> str:
    """The scheduled script: a rerun replaces the group's rows of the period instead of adding to them.

    DELETE and INSERT run in one multi-statement transaction (https://cloud.google.com/bigquery/docs/transactions):
    a failing INSERT rolls the DELETE back, and two overlapping runs conflict (one aborts) instead of both
    deleting and then both inserting. ``audit_table=False`` is the script for before the audit table exists
    (``audit_table_exists``); ``expanded=False`` the form with fragment markers the workflow holds.
    """
    table = sources.governance(SCORECARD_TABLE)
    columns = ", ".join(c.name for c in SCORECARD_COLUMNS)
    return (
        "BEGIN TRANSACTION;\n"
        f"DELETE FROM {table} WHERE period_start = @period_start AND measure_group = {literal(group)};\n"
        f"INSERT INTO {table} ({columns})\n{query(group, sources, models, audit_table, expanded=expanded)};\n"
        "COMMIT TRANSACTION;"
    )


def _measures() -> dict[str, str]:
    """measure -> group, read from the .sql files' select lists (`'<measure>' AS measure` or a union branch)."""
    found: dict[str, str] = {}
    for group in GROUPS:
        text = (SQL_DIR / f"{group}.sql").read_text()
        for name in re.findall(r"^(?:UNION ALL\s+)?SELECT (?:DISTINCT )?'([a-z_]+)'", text, re.MULTILINE):
            found[name] = group
    return found


MEASURES = _measures()
