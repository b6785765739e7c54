"""Every column the generated SQL reads or writes exists in the table specs, with a compatible type.

The specs are the ones the team stack creates (modules/metadata_tables.py). Each statement the
quality workflow and the batch workflow run (for every model of the example teams) is parsed with
sqlglot, its columns are resolved against a schema built from those specs (an unknown column
fails), and the types of what it writes and compares are checked against the columns' types.
"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from config import names
from modules import metadata_tables
from modules.bigquery_tables import Column, TableSpec
from modules.quality import sql, tables
from modules.quality.workflow import publications
from tests.quality.duck import DS, VERTEX_REQUEST_LOG

T = exp.DataType.Type
TEXT = {T.TEXT, T.VARCHAR, T.CHAR, T.NCHAR, T.NVARCHAR}
INTEGER = {T.BIGINT, T.INT, T.SMALLINT, T.TINYINT}
NUMERIC = INTEGER | {T.DOUBLE, T.FLOAT, T.DECIMAL, T.BIGDECIMAL}
TIMESTAMPS = {T.TIMESTAMPTZ, T.TIMESTAMP}
DAY = "DATE '2026-03-10'"  # @day is a DATE parameter; a literal gives the checker its type


def _type(c: Column) -> exp.DataType:
    kind = f"ARRAY<{c.type}>" if c.mode == "REPEATED" else c.type
    return exp.DataType.build(kind, dialect="bigquery")


def _predictions(model) -> TableSpec:
    """The table a batch prediction job writes: the staged input columns plus `prediction`."""
    spec = metadata_tables.batch_input(model)
    cols = tuple(c for c in spec.columns if c.name != "scoring_date") + (Column("prediction", "JSON", ""),)
    return TableSpec(f"predictions_{names.batch_output_table(model.name)}", "", "request_id", cols)


class Catalog:
    """Table specs by name, as a sqlglot schema (project `p`, dataset `d`)."""

    def __init__(self, specs: list[TableSpec]):
        self.specs = {s.name: s for s in specs}
        self.schema = {"p": {"d": {s.name: {c.name: _type(c).sql("bigquery") for c in s.columns} for s in specs}}}

    def spec(self, table: exp.Table) -> TableSpec:
        return self.specs[table.name]

    def resolve(self, query: exp.Expression) -> exp.Expression:
        """Qualify (every column must exist in its table) and annotate types."""
        qualified = qualify(query.copy(), schema=self.schema, dialect="bigquery")
        return annotate_types(qualified, schema=self.schema, dialect="bigquery")


def _compatible(actual: exp.DataType, expected: exp.DataType) -> bool:
    a, e = actual.this, expected.this
    if a == T.NULL or a == e:
        return True
    return (
        (a in TEXT and e in TEXT)
        or (a in INTEGER and e in NUMERIC)
        or (a in TIMESTAMPS and e in TIMESTAMPS)
        or (a in NUMERIC - INTEGER and e in NUMERIC - INTEGER)
    )


def _comparable(left: exp.DataType, right: exp.DataType) -> bool:
    kinds = (TEXT, NUMERIC, TIMESTAMPS, {T.DATE}, {T.BOOLEAN})
    if T.NULL in (left.this, right.this) or left.this == right.this:
        return True
    return any(left.this in k and right.this in k for k in kinds)


def check_reads(catalog: Catalog, query: exp.Expression) -> exp.Expression:
    resolved = catalog.resolve(query)
    for json_call in resolved.find_all(exp.JSONExtractScalar, exp.JSONExtract):
        arg = json_call.this
        if isinstance(arg, exp.Column):
            assert arg.type.this in TEXT | {T.JSON}, f"JSON function on {arg.sql()} of type {arg.type.sql()}"
    for cmp in resolved.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE):
        if isinstance(cmp.this, exp.Column) or isinstance(cmp.expression, exp.Column):
            assert _comparable(cmp.this.type, cmp.expression.type), (
                f"{cmp.sql('bigquery')}: {cmp.this.type.sql()} vs {cmp.expression.type.sql()}"
            )
    return resolved


def check_statement(catalog: Catalog, statement: exp.Expression) -> None:
    if isinstance(statement, exp.Insert):
        target = catalog.spec(statement.this.this)
        written = [c.name for c in statement.this.expressions]
        known = {c.name: c for c in target.columns}
        assert set(written) <= set(known), f"{target.name}: writes unknown columns {set(written) - set(known)}"
        unfilled = [c.name for c in target.columns if c.mode == "REQUIRED" and c.name not in written]
        assert not unfilled, f"{target.name}: REQUIRED columns not written {unfilled}"
        resolved = check_reads(catalog, statement.expression)
        assert len(resolved.selects) == len(written)
        for name, projection in zip(written, resolved.selects, strict=True):
            expected = _type(known[name])
            assert _compatible(projection.type, expected), (
                f"{target.name}.{name} is {expected.sql()}, the query writes {projection.type.sql()}"
            )
    elif isinstance(statement, exp.Delete):
        check_reads(catalog, exp.select("*").from_(statement.this.copy()).where(statement.args["where"].this.copy()))
    elif isinstance(statement, exp.Query):
        check_reads(catalog, statement)
    else:
        assert isinstance(statement, (exp.Transaction, exp.Commit)), statement.sql("bigquery")


def _statements(script: str) -> list[exp.Expression]:
    return [s for s in sqlglot.parse(script.replace("@day", DAY), read="bigquery") if s is not None]


def _scripts(config) -> list[tuple[str, str, Catalog]]:
    """(what, script, catalog) for every statement the example teams' workflows run."""
    out = []
    for team in config.teams:
        models = team.models
        specs = [*tables.SPECS.values()]
        for m in models:
            if m.pattern == "batch":
                specs += [metadata_tables.batch_input(m), metadata_tables.batch_output(m), _predictions(m)]
            if m.pattern == "online":
                specs.append(TableSpec(names.request_log_table(m.name), "", "logging_time", VERTEX_REQUEST_LOG))
        catalog = Catalog(specs)
        for m in models:
            spec = sql.model_spec(m)
            for build in sql.DAILY_QUERIES.values():
                out.append((f"{m.name} {build.__name__}", sql.replace_day(DS, spec, build(DS, spec)), catalog))
            if m.pattern == "online":
                out.append(
                    (f"{m.name} ingest", sql.ingest_request_log(DS, spec, names.request_log_table(m.name)), catalog)
                )
            if m.pattern == "batch":
                predictions = f"`p.d.predictions_{names.batch_output_table(m.name)}`"
                out.append(
                    (
                        f"{m.name} batch copy",
                        sql.copy_batch_output(DS, spec, names.batch_output_table(m.name), predictions),
                        catalog,
                    )
                )
        out += [(f"{team.name} publish {p['metric_type']}", p["query"], catalog) for p in publications(DS, models)]
    return out


def test_every_statement_of_the_example_workflows_matches_the_table_specs(org_config):
    scripts = _scripts(org_config)
    assert len(scripts) > 40
    for what, script, catalog in scripts:
        for statement in _statements(script):
            try:
                check_statement(catalog, statement)
            except Exception as e:  # name the statement that broke the contract
                raise AssertionError(f"{what}: {e}\n{statement.sql('bigquery', pretty=True)}") from e


def test_the_checker_fails_on_a_column_the_spec_does_not_have():
    catalog = Catalog(list(tables.SPECS.values()))
    query = "SELECT COUNT(*) FROM `p.d.prediction_history` WHERE JSON_VALUE({}, '$.a') IS NULL"
    check_reads(catalog, _statements(query.format("features"))[0])
    with pytest.raises(Exception, match="could not be resolved"):
        check_reads(catalog, _statements(query.format("feature_json"))[0])
    with pytest.raises(AssertionError, match="JSON function on"):
        check_reads(catalog, _statements(query.format("latency_ms"))[0])


def test_the_checker_fails_on_a_written_type_or_an_unfilled_required_column():
    catalog = Catalog(list(tables.SPECS.values()))
    wrong_type = (
        f"INSERT INTO `p.d.drift` (check_date, model, feature, psi, computed_at) "
        f"SELECT {DAY}, 'm', 'f', 'high', CURRENT_TIMESTAMP()"
    )
    with pytest.raises(AssertionError, match=r"drift\.psi is DOUBLE"):
        check_statement(catalog, _statements(wrong_type)[0])
    unfilled = (
        f"INSERT INTO `p.d.drift` (check_date, model, feature, computed_at) SELECT {DAY}, 'm', 'f', CURRENT_TIMESTAMP()"
    )
    with pytest.raises(AssertionError, match=r"REQUIRED columns not written \['psi'\]"):
        check_statement(catalog, _statements(unfilled)[0])
    bad_compare = "SELECT model FROM `p.d.drift` WHERE psi = 'x'"
    with pytest.raises(AssertionError, match="DOUBLE vs"):
        check_reads(catalog, _statements(bad_compare)[0])


def test_select_into_refuses_unknown_and_unfilled_columns():
    with pytest.raises(ValueError, match=r"not in the table spec \['day'\]"):
        sql.select_into(
            tables.DAILY_USAGE,
            {"day": "@day", "usage_date": "@day", "model": "'m'", "predictions": "1", "computed_at": sql.NOW},
            "",
        )
    with pytest.raises(ValueError, match=r"REQUIRED columns not filled \['computed_at'\]"):
        sql.select_into(tables.DAILY_USAGE, {"usage_date": "@day", "model": "'m'", "predictions": "1"}, "")


def test_the_callers_request_id_can_only_travel_in_the_instance(org_config):
    """Vertex's response carries no request id (installed SDK's PredictResponse), so ground truth cannot key on
    Vertex's logged request number: the id the caller keeps is the instance's `request_id` field."""
    from google.cloud.aiplatform_v1.types import PredictResponse

    fields = {f.name for f in PredictResponse.pb().DESCRIPTOR.fields}
    assert "predictions" in fields and not {f for f in fields if "request" in f}
    spec = sql.model_spec(next(m for t in org_config.teams for m in t.models if m.pattern == "online"))
    assert sql.instance_fields(spec)[0] == sql.REQUEST_ID == "request_id"
    assert f"JSON_VALUE(instance, '$.{sql.REQUEST_ID}')" in sql.ingest_request_log(DS, spec, "request_log_x")
