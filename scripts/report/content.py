"""What the report says, independent of format: sections of key figures, tables and charts from ReportData."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scripts.report import charts
from scripts.report.sources import ReportData


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass
class Section:
    id: str
    title: str
    lead: str
    tables: list[tuple[str, Table]] = field(default_factory=list)  # (caption, table)
    charts: list[charts.Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    sections: list[Section]
    measures: list[dict[str, Any]]  # the scorecard rows shown, for --output json


def percent(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.0f} %"


def signed_percent(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:+.0f} %"


def hours(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f} h"


def count(v: float | None) -> str:
    return "–" if v is None else f"{v:,.0f}"


class Measures:
    """Lookups into the scorecard rows of the period."""

    def __init__(self, rows: list[dict[str, Any]]):
        self.rows = sorted(
            rows,
            key=lambda r: tuple(
                str(r.get(k) or "") for k in ("measure_group", "measure", "team", "model", "dimension")
            ),
        )

    def where(self, measure: str, **match: Any) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["measure"] == measure and all(r.get(k) == v for k, v in match.items())]

    def one(self, measure: str, **match: Any) -> float | None:
        found = self.where(measure, **match)
        return found[0]["value"] if found else None

    def total(self, measure: str, **match: Any) -> float:
        return sum(r["value"] or 0.0 for r in self.where(measure, **match))


FRESHNESS_COLUMNS = ("period_end", "computed_at")  # read for the subtitle (freshness), not measures


def build(data: ReportData) -> Report:
    m = Measures([{k: v for k, v in r.items() if k not in FRESHNESS_COLUMNS} for r in data.scorecard])
    team = data.team
    models = data.models
    sections = [
        _summary(m, team, models),
        _usage(m, models, team),
        _delivery(m, models, team),
        _quality(m, data, models),
        _governance(m, models, team),
    ]
    who = f"team {team}" if team else "the platform"
    subtitle = f"{data.period.title} · {who} · {len(models)} models · source: {data.source} · {freshness(data)}"
    return Report(f"ModelOps impact report: {team or 'platform'}, {data.period.label}", subtitle, sections, m.rows)


def _summary(m: Measures, team: str | None, models: tuple[Any, ...]) -> Section:
    mine = {"team": team} if team else {}
    green = [r["value"] for r in _mine(m.where("monitoring_all_green"), models)]
    deployments = sum(r["value"] or 0.0 for r in m.where("deployments", **mine))
    rollbacks = sum(r["value"] or 0.0 for r in m.where("rollbacks", **mine))
    rows = [
        (
            "Models in production",
            count(
                m.total("models_in_production", team=team, dimension=None)
                if team
                else m.total("models_in_production", team=None)
            ),
            "a version holds the champion alias in production",
        ),
        (
            "Monitoring all green",
            percent(sum(green) / len(green) if green else None),
            "usage, quality, drift and missing features configured and within thresholds (last 7 days)",
        ),
        ("Deployments", count(deployments), "promotions to production in the month"),
        ("Change failure rate", percent(rollbacks / deployments if deployments else None), "rollbacks ÷ promotions"),
        (
            "Models with falling usage",
            count(len(_mine(m.where("usage_falling"), models))),
            "weekly predictions fell more than the model's threshold",
        ),
        ("Open policy exceptions", count(m.total("open_exceptions", **mine)), "approved suppressions not yet expired"),
    ]
    if team is None:
        rows.insert(0, ("Teams with models in production", count(m.one("teams_in_production")), ""))
    return Section(
        "summary",
        "At a glance",
        "The month in a few numbers; docs/scorecard.md explains each and what to do about it.",
        [("Key figures", Table(("Measure", "Value", "Meaning"), rows))],
    )


def _usage(m: Measures, models: tuple[Any, ...], team: str | None) -> Section:
    section = Section(
        "usage",
        "Usage",
        "Predictions per complete week (Monday to Sunday) next to each model's KPI and impact owner.",
    )
    platform = team is None
    rows = _mine(m.where("predictions_week"), models)
    chart = charts.usage_trend(_labelled(rows, platform))
    if chart:
        section.charts.append(chart)
    table = []
    for model in models:
        weeks = sorted(
            (r for r in rows if (r["team"], r["model"]) == (model.team, model.model)), key=lambda r: r["dimension"]
        )
        if not weeks:
            table.append((_label(model.team, model.model, platform), model.kpi, model.owner, "–", "–"))
            continue
        last = weeks[-1]
        change = m.one("usage_change_week", team=model.team, model=model.model, dimension=last["dimension"])
        name = _label(model.team, model.model, platform)
        table.append((name, model.kpi, model.owner, count(last["value"]), signed_percent(change)))
    section.tables.append(("Last complete week", Table(("Model", "KPI", "Owner", "Predictions", "Change"), table)))
    falling = _mine(m.where("usage_falling"), models)
    section.tables.append(
        (
            "Falling usage: the owner asks why",
            Table(
                ("Model", "Week", "Fell by", "Threshold", "Owner"),
                [
                    (
                        _label(r["team"], r["model"], platform),
                        r["dimension"],
                        percent(r["value"]),
                        percent(_threshold(models, r["team"], r["model"])),
                        r["owner"],
                    )
                    for r in falling
                ],
            ),
        )
    )
    return section


def _threshold(models: tuple[Any, ...], team: str, name: str) -> float | None:
    return next((x.usage_drop_threshold for x in models if (x.team, x.model) == (team, name)), None)


def _keys(models: tuple[Any, ...]) -> set[tuple[str, str]]:
    """Models are (team, model): nothing in the config stops two teams from naming a model alike."""
    return {(x.team, x.model) for x in models}


def _mine(rows: list[dict[str, Any]], models: tuple[Any, ...]) -> list[dict[str, Any]]:
    keys = _keys(models)
    return [r for r in rows if (r["team"], r["model"]) in keys]


def _label(team: str, model: str, platform: bool) -> str:
    """``team/model`` in the platform report (names may repeat across teams), the model name in a team's."""
    return f"{team}/{model}" if platform else model


def _labelled(rows: list[dict[str, Any]], platform: bool) -> list[dict[str, Any]]:
    """Rows for the charts, which group by ``model``: the label takes its place."""
    return [r | {"model": _label(r["team"], r["model"], platform)} if r["model"] is not None else r for r in rows]


def freshness(data: ReportData) -> str:
    """How far the numbers reach: the scorecard rows' latest period_end (the job writes the month so far daily),
    with a warning when that is before the end of the month (a month in progress, or failed daily runs)."""
    ends = [r["period_end"] for r in data.scorecard if r.get("period_end") is not None]
    if not ends:
        return "no scorecard rows for this period"
    last = max(ends) - datetime.timedelta(days=1)
    stamps = [r["computed_at"] for r in data.scorecard if r.get("computed_at") is not None]
    # The demo computes its scorecard at render time: its computed_at would make the page differ every run.
    computed = f", computed {max(stamps).isoformat()}" if stamps and data.source != "demo" else ""
    if max(ends) < data.period.end:
        return f"PARTIAL MONTH: data up to {last.isoformat()} only{computed}"
    return f"data up to {last.isoformat()}{computed}"


def _delivery(m: Measures, models: tuple[Any, ...], team: str | None) -> Section:
    section = Section(
        "delivery",
        "Delivery",
        "The DORA measures applied to models: how often a version reaches production, how long it takes from "
        "its production registration (the production leg only, not dev and staging), how often it is rolled back, "
        "and the time to restore: from the first red monitoring day to the rollback.",
    )
    platform = team is None
    rows = _mine([r for r in m.rows if r["measure_group"] == "delivery" and r["model"] is not None], models)
    chart = charts.delivery(_labelled(rows, platform))
    if chart:
        section.charts.append(chart)
    table = [
        (
            _label(model.team, model.model, platform),
            count(m.one("deployments", team=model.team, model=model.model)),
            percent(m.one("change_failure_rate", team=model.team, model=model.model)),
            hours(m.one("lead_time_hours", team=model.team, model=model.model)),
            hours(m.one("time_to_restore_hours", team=model.team, model=model.model)),
        )
        for model in models
    ]
    if team is None:
        table.append(
            (
                "platform",
                f"{m.one('deployments_per_week') or 0:.1f} / week",
                percent(m.one("change_failure_rate", model=None)),
                hours(m.one("lead_time_hours", model=None)),
                hours(m.one("time_to_restore_hours", model=None)),
            )
        )
    section.tables.append(
        (
            "Per model",
            Table(
                ("Model", "Deployments", "Change failure rate", "Lead time (production leg)", "Time to restore"),
                table,
            ),
        )
    )
    return section


def _quality(m: Measures, data: ReportData, models: tuple[Any, ...]) -> Section:
    section = Section(
        "quality",
        "Quality and drift",
        "Daily model quality against its threshold and feature drift against the training baseline.",
    )
    platform = data.team is None
    trends = _labelled(_mine(data.trends, models), platform)
    for chart in (charts.quality(trends), charts.drift(trends)):
        if chart:
            section.charts.append(chart)
    green = {(r["team"], r["model"]): r["value"] for r in m.where("monitoring_all_green")}
    section.tables.append(
        (
            "Monitoring signals (last 7 days of the month)",
            Table(
                ("Model", "All signals green"),
                [
                    (
                        _label(x.team, x.model, platform),
                        {1.0: "yes", 0.0: "no"}.get(green.get((x.team, x.model), -1.0), "not in production"),
                    )
                    for x in models
                ],
            ),
        )
    )
    return section


def _governance(m: Measures, models: tuple[Any, ...], team: str | None) -> Section:
    section = Section(
        "governance",
        "Governance",
        "Model cards with all six metadata items, open policy exceptions and access grants by expiry.",
    )
    chart = charts.exceptions([r for r in m.where("open_exception_age_days") if team in (None, r["team"])])
    if chart:
        section.charts.append(chart)
    section.tables.append(
        (
            "Model card metadata (of 6)",
            Table(
                ("Model", "Items present"),
                [
                    (_label(x.team, x.model, team is None), count(m.one("card_items", team=x.team, model=x.model)))
                    for x in models
                ],
            ),
        )
    )
    section.tables.append(
        (
            "Open policy exceptions",
            Table(
                ("Team", "Rule", "Resource", "Days open", "Approved by"),
                [
                    (r["team"], r["dimension"], r["detail"], count(r["value"]), r["owner"])
                    for r in m.where("open_exception_age_days")
                    if team in (None, r["team"])
                ],
            ),
        )
    )
    section.tables.append(
        (
            "Access grants by expiry (IAM audit records)",
            Table(
                ("Team", "Expiry", "Grants"),
                [
                    (r["team"], r["dimension"].replace("_", " "), count(r["value"]))
                    for r in m.where("access_grants")
                    if team in (None, r["team"])
                ],
            ),
        )
    )
    return section
