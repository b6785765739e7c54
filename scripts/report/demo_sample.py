"""The bundled sample for `modelops report --demo`: three models of two teams, September to November 2026.

Written the way the platform writes it (lifecycle events in the audit sink's table, daily team tables, policy
exceptions, IAM changes), with round numbers and no randomness, so the demo report is the same on every machine
and a reader can check a number by hand. The scorecard is then computed from it by the real scorecard SQL
(modules/scorecard/sql/) on DuckDB, exactly as the scheduled job computes it in BigQuery.
"""

from __future__ import annotations

import datetime
from typing import Any

from modules.scorecard.catalogue import ModelRow, Sources, TeamData

PROJECT = "p"
GOVERNANCE = "demo_governance"
PERIOD = "2026-11"
FIRST_DAY = datetime.date(2026, 10, 12)
LAST_DAY = datetime.date(2026, 11, 30)
MODELS = (
    ModelRow(
        "fraud",
        "card-scorer",
        "online",
        "Vertex AI endpoint",
        "ana.lopez@acme.example",
        "card fraud losses avoided (EUR per month)",
        0.3,
    ),
    ModelRow(
        "fraud",
        "chargeback-forecast",
        "batch",
        "batch prediction job",
        "ana.lopez@acme.example",
        "chargeback reserve accuracy",
        0.2,
    ),
    ModelRow(
        "growth",
        "clickstream-propensity",
        "streaming",
        "streaming scorer",
        "li.wei@acme.example",
        "conversion uplift (percentage points)",
        0.3,
    ),
)
TEAMS = ("fraud", "growth")
SOURCES = Sources(
    PROJECT,
    GOVERNANCE,
    tuple(TeamData(t, PROJECT, f"{t}_metadata") for t in TEAMS),
    (("acme-fraud-prod", "fraud"), ("acme-growth-prod", "growth"), ("acme-mlops-prod", "_platform")),
    ("prod",),
)
CARD: dict[str, Any] = {
    "training": {
        "data": [{"uri": "bq://acme-fraud-prod.features.transactions", "snapshot": "2026-10-31"}],
        "code": {"repo": "acme/fraud-models", "commit": "3" * 40},
        "dependencies": {"lock_file": "uv.lock", "lock_sha256": "4" * 64},
    },
    "prediction_code": {"repo": "acme/fraud-serving", "commit": "5" * 40},
}
CARD_WITHOUT_LOCK_HASH = CARD | {"training": CARD["training"] | {"dependencies": {"lock_file": "uv.lock"}}}

# (time, team, model, action, version id, rolled-back version, card)
EVENTS: tuple[tuple[str, str, str, str, str, str | None, dict[str, Any] | None], ...] = (
    ("2026-09-20 09:00", "fraud", "card-scorer", "register", "1", None, CARD),
    ("2026-09-22 09:00", "fraud", "card-scorer", "promote", "1", None, None),
    ("2026-11-03 09:00", "fraud", "card-scorer", "register", "2", None, CARD),
    ("2026-11-05 15:00", "fraud", "card-scorer", "promote", "2", None, None),  # lead time 54 h
    ("2026-11-16 10:00", "fraud", "card-scorer", "register", "3", None, CARD),
    ("2026-11-17 10:00", "fraud", "card-scorer", "promote", "3", None, None),  # lead time 24 h
    (
        "2026-11-18 08:00",
        "fraud",
        "card-scorer",
        "rollback",
        "2",
        "3",
        None,
    ),  # v3 red on 17 Nov (accuracy): restored after 22 h
    ("2026-11-20 10:00", "fraud", "card-scorer", "register", "4", None, CARD),
    ("2026-11-24 10:00", "fraud", "card-scorer", "promote", "4", None, None),  # lead time 96 h
    ("2026-10-28 12:00", "fraud", "chargeback-forecast", "register", "1", None, CARD_WITHOUT_LOCK_HASH),
    ("2026-11-02 12:00", "fraud", "chargeback-forecast", "promote", "1", None, None),  # lead time 120 h
    ("2026-11-09 08:00", "growth", "clickstream-propensity", "register", "1", None, CARD),
    ("2026-11-12 08:00", "growth", "clickstream-propensity", "promote", "1", None, None),  # lead time 72 h
)


def _days() -> list[datetime.date]:
    return [FIRST_DAY + datetime.timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]


def predictions(model: str, day: datetime.date) -> int:
    """Daily predictions: steady card scoring with quieter weekends, a batch forecast that stops in the last
    complete week of November, and a streaming model that grows from its launch on 12 November."""
    weekend = day.weekday() >= 5
    if model == "card-scorer":
        return 90_000 if weekend else 120_000
    if model == "chargeback-forecast":
        return 20_000 if day < datetime.date(2026, 11, 23) else 6_000
    if day < datetime.date(2026, 11, 12):
        return 0
    return 5_000 + 1_000 * (day - datetime.date(2026, 11, 12)).days


def rows() -> dict[str, list[dict[str, Any]]]:
    """Table (relative to the project) -> rows."""
    computed = datetime.datetime(2026, 12, 1, 5, 0)
    out: dict[str, list[dict[str, Any]]] = {}
    out[f"{GOVERNANCE}.modelops_audit"] = [
        {
            "timestamp": datetime.datetime.fromisoformat(when),
            "jsonpayload": {
                "team": team,
                "model": model,
                "action": action,
                "env": "prod",
                "outcome": "succeeded",
                "dry_run": False,
                "result": {"version_id": version, "rolled_back_version": rolled_back},
                "card": card,
            },
        }
        for when, team, model, action, version, rolled_back, card in EVENTS
    ]
    for m in MODELS:
        usage = out.setdefault(f"{m.team}_metadata.daily_usage", [])
        quality = out.setdefault(f"{m.team}_metadata.model_quality", [])
        drift = out.setdefault(f"{m.team}_metadata.drift", [])
        data = out.setdefault(f"{m.team}_metadata.data_quality", [])
        for day in _days():
            n = predictions(m.model, day)
            if n == 0:
                continue
            usage.append(
                {
                    "usage_date": day,
                    "model": m.model,
                    "predictions": n,
                    "logged_predictions": n,
                    "computed_at": computed,
                }
            )
            if day < datetime.date(2026, 11, 1):
                continue
            k = (day - datetime.date(2026, 11, 1)).days
            if m.model == "chargeback-forecast":
                metric, value, threshold = "rmse", 20.0 + 0.25 * k, 25.0  # crosses its threshold on 21 November
            elif (m.model, day) == ("card-scorer", datetime.date(2026, 11, 17)):
                metric, value, threshold = "accuracy", 0.86, 0.9  # v3's bad day: rolled back the next morning
            else:
                metric, value, threshold = "accuracy", 0.93 - 0.001 * (k % 5), 0.9
            quality.append(
                {
                    "evaluation_date": day,
                    "model": m.model,
                    "metric": metric,
                    "value": value,
                    "threshold": threshold,
                    "sample_size": 1000,
                    "computed_at": computed,
                }
            )
            psi = {"card-scorer": 0.05 + 0.004 * k, "chargeback-forecast": 0.05 + 0.001 * k}.get(
                m.model, 0.12 - 0.002 * k
            )
            drift.append(
                {
                    "check_date": day,
                    "model": m.model,
                    "feature": "amount",
                    "psi": round(psi, 4),
                    "threshold": 0.2,
                    "records": n,
                    "computed_at": computed,
                }
            )
            data.append(
                {
                    "check_date": day,
                    "model": m.model,
                    "feature": "amount",
                    "records": n,
                    "missing": n // 100,
                    "missing_ratio": (n // 100) / n,
                    "threshold": 0.05,
                    "computed_at": computed,
                }
            )
    out[f"{GOVERNANCE}.policy_exceptions"] = [
        {
            "recorded_at": datetime.datetime(2026, 9, 14, 9),
            "team": "fraud",
            "rule": "MLOPS_NET_1",
            "resource": "fraud-prod/card-scorer/endpoint",
            "reason": "public endpoint while the caller moves to Private Service Connect",
            "approved_by": "ciso@acme.example",
            "expires": datetime.date(2027, 1, 31),
        },
        {
            "recorded_at": datetime.datetime(2026, 11, 27, 9),
            "team": "fraud",
            "rule": "MLOPS_NET_1",
            "resource": "fraud-prod/card-scorer/endpoint",
            "reason": "public endpoint while the caller moves to Private Service Connect",
            "approved_by": "ciso@acme.example",
            "expires": datetime.date(2027, 1, 31),
        },
        {
            "recorded_at": datetime.datetime(2026, 11, 20, 9),
            "team": "growth",
            "rule": "MLOPS_MON_1",
            "resource": "growth-prod/clickstream-propensity/alerts",
            "reason": "launch week: thresholds being tuned",
            "approved_by": "head-of-data@acme.example",
            "expires": datetime.date(2026, 12, 15),
        },
    ]
    out[f"{GOVERNANCE}.cloudaudit_googleapis_com_activity"] = [
        _iam("2026-11-04 10:00", "acme-fraud-prod", "user:auditor@acme.example", "2026-12-04T00:00:00Z"),
        _iam("2026-11-10 10:00", "acme-fraud-prod", "group:fraud-analysts@acme.example", "2027-02-01T00:00:00Z"),
        _iam("2026-11-12 10:00", "acme-growth-prod", "user:contractor@acme.example", "2026-11-26T00:00:00Z"),
        _iam("2026-11-13 10:00", "acme-growth-prod", "group:growth-readers@acme.example", None),
    ]
    return out


def _iam(when: str, project: str, member: str, expires: str | None) -> dict[str, Any]:
    condition = {"expression": f'request.time < timestamp("{expires}")'} if expires else None
    delta = {"action": "ADD", "role": "roles/bigquery.dataViewer", "member": member, "condition": condition}
    return {
        "timestamp": datetime.datetime.fromisoformat(when),
        "resource": {"type": "project", "labels": {"project_id": project}},
        "protopayload_auditlog": {
            "methodName": "SetIamPolicy",
            "resourceName": f"projects/{project}",
            "servicedata_v1_iam": {"policyDelta": {"bindingDeltas": [delta]}},
        },
    }
