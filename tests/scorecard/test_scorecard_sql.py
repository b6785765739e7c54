"""Every scorecard measure on DuckDB (sqlglot transpile of the BigQuery SQL) against answers worked out by hand.

Period: November 2026 (@period_start 2026-11-01, @period_end 2026-12-01). Complete ISO weeks starting in it:
Nov 2, 9, 16 and 23; the week of Nov 30 ends in December and is left out.
"""

from __future__ import annotations

import datetime

import pytest

from modules.scorecard import queries
from tests.scorecard.duck import ScorecardDuck, measures, model

D = datetime.date
PAY = model("ledger", "pay-scorer", "online")
REFUND = model("ledger", "refund-forecast", "batch", usage_drop_threshold=0.1)
CHURN = model("reach", "churn", "online")
IDLE = model("reach", "idle", "streaming")
MODELS = [PAY, REFUND, CHURN, IDLE]
FULL_CARD = {
    "training": {
        "data": [{"uri": "gs://orbit/train.csv", "snapshot": "gen-1"}],
        "code": {"repo": "orbit/pay", "commit": "a" * 40},
        "dependencies": {"lock_file": "uv.lock", "lock_sha256": "b" * 64},
    },
    "prediction_code": {"repo": "orbit/pay", "commit": "c" * 40},
}
NO_LOCK_CARD = FULL_CARD | {
    "training": FULL_CARD["training"] | {"dependencies": {"lock_file": "uv.lock", "lock_sha256": None}}
}


@pytest.fixture
def duck() -> ScorecardDuck:
    return ScorecardDuck()


def _events(duck: ScorecardDuck) -> None:
    e = duck.event
    e("2026-10-15 09:00", "ledger", "pay-scorer", "promote", "0")  # before the period: not a deployment in it
    e("2026-10-30 10:00", "ledger", "pay-scorer", "register", "1", card=FULL_CARD)
    e("2026-11-02 10:00", "ledger", "pay-scorer", "promote", "1")  # lead time 72 h
    e("2026-11-10 00:00", "ledger", "pay-scorer", "register", "2", card=FULL_CARD)
    e("2026-11-10 12:00", "ledger", "pay-scorer", "promote", "2")  # lead time 12 h
    e("2026-11-11 12:00", "ledger", "pay-scorer", "rollback", "1", rolled_back="2")  # v2 served 24 h
    e("2026-11-12 12:00", "ledger", "pay-scorer", "promote", "2", dry_run=True)  # dry run: ignored
    e("2026-11-13 12:00", "ledger", "pay-scorer", "promote", "2", outcome="failed")  # failed: ignored
    e("2026-11-03 00:00", "ledger", "refund-forecast", "register", "3", card=NO_LOCK_CARD)
    e("2026-11-04 00:00", "ledger", "refund-forecast", "promote", "3")  # lead time 24 h
    e("2026-11-05 00:00", "reach", "churn", "promote", "7", env="dev")  # not production
    e("2026-11-06 00:00", "reach", "churn", "promote", "7", outcome="failed")  # failed: not in production


def _quality(duck: ScorecardDuck) -> None:
    ts = datetime.datetime(2026, 12, 1)
    q = "p.ledger_metadata.model_quality"
    rows = [
        ("pay-scorer", D(2026, 11, 28), "accuracy", 0.80, 0.9),  # red, but not the latest day
        ("pay-scorer", D(2026, 11, 29), "accuracy", 0.95, 0.9),
        ("pay-scorer", D(2026, 11, 29), "precision", 0.50, None),  # no threshold: not a signal
        ("refund-forecast", D(2026, 11, 29), "rmse", 30.0, 25.0),  # above max_rmse: red
    ]
    duck.insert(
        q, [dict(evaluation_date=d, model=m, metric=k, value=v, threshold=t, computed_at=ts) for m, d, k, v, t in rows]
    )
    for name in ("pay-scorer", "refund-forecast"):
        duck.insert(
            "p.ledger_metadata.drift",
            [dict(check_date=D(2026, 11, 29), model=name, feature="amount", psi=0.1, threshold=0.2, computed_at=ts)],
        )
        duck.insert(
            "p.ledger_metadata.data_quality",
            [
                dict(
                    check_date=D(2026, 11, 29),
                    model=name,
                    feature="amount",
                    records=100,
                    missing=1,
                    missing_ratio=0.01,
                    threshold=0.05,
                    computed_at=ts,
                )
            ],
        )


def _usage(duck: ScorecardDuck) -> None:
    for offset in range(35):
        day = D(2026, 10, 26) + datetime.timedelta(days=offset)
        per_day = 100 if day < D(2026, 11, 16) else 50 if day < D(2026, 11, 23) else 40
        duck.usage("ledger", "pay-scorer", day, per_day)
    duck.usage("ledger", "pay-scorer", D(2026, 11, 30), 10000)  # an incomplete week: left out
    for day, n in ((D(2026, 11, 3), 1000), (D(2026, 11, 10), 1000), (D(2026, 11, 17), 1000), (D(2026, 11, 24), 850)):
        duck.usage("ledger", "refund-forecast", day, n, logged=0)
    duck.usage("reach", "churn", D(2026, 11, 11), 500)


def test_adoption(duck):
    _events(duck)
    _quality(duck)
    _usage(duck)
    rows = duck.run("adoption", MODELS)
    assert measures(rows, "teams_onboarded") == {(None, None, None): 2}
    assert measures(rows, "teams_in_production") == {(None, None, None): 1}  # reach has nothing in prod
    assert measures(rows, "models_in_production") == {
        (None, None, "online/Vertex AI endpoint"): 1,
        (None, None, "batch/batch prediction job"): 1,
        ("ledger", None, None): 2,
    }
    # pay-scorer: usage, accuracy (latest day), drift and missing features all green; refund-forecast: rmse red.
    assert measures(rows, "monitoring_all_green") == {
        ("ledger", "pay-scorer", None): 1.0,
        ("ledger", "refund-forecast", None): 0.0,
    }
    assert measures(rows, "monitoring_all_green_share") == {(None, None, None): 0.5}
    assert {r["owner"] for r in rows if r["measure"] == "monitoring_all_green"} == {PAY.owner, REFUND.owner}


def test_a_signal_without_rows_is_not_green(duck):
    _events(duck)
    _usage(duck)  # usage only: no quality, drift or data-quality rows
    rows = duck.run("adoption", MODELS)
    assert measures(rows, "monitoring_all_green_share") == {(None, None, None): 0.0}


def test_delivery(duck):
    _events(duck)
    rows = duck.run("delivery", MODELS)
    assert measures(rows, "deployments") == {("ledger", "pay-scorer", None): 2, ("ledger", "refund-forecast", None): 1}
    assert measures(rows, "rollbacks") == {("ledger", "pay-scorer", None): 1, ("ledger", "refund-forecast", None): 0}
    assert measures(rows, "deployments_per_week")[(None, None, None)] == pytest.approx(3 / (30 / 7))
    assert measures(rows, "change_failure_rate") == pytest.approx(
        {("ledger", "pay-scorer", None): 0.5, ("ledger", "refund-forecast", None): 0.0, (None, None, None): 1 / 3}
    )
    assert measures(rows, "lead_time_hours") == pytest.approx(
        {("ledger", "pay-scorer", None): 42.0, ("ledger", "refund-forecast", None): 24.0, (None, None, None): 24.0}
    )
    # v2 served from 10 Nov 12:00 to the rollback on 11 Nov 12:00, however long it was failing.
    assert measures(rows, "version_service_hours_before_rollback") == pytest.approx(
        {("ledger", "pay-scorer", None): 24.0, (None, None, None): 24.0}
    )
    assert measures(rows, "time_to_restore_hours") == {}  # no monitoring row was red: no restore time


def test_time_to_restore_starts_at_the_first_red_monitoring_day(duck):
    _events(duck)
    ts = datetime.datetime(2026, 12, 1)

    def drift(day, psi):
        row = dict(check_date=day, model="pay-scorer", feature="amount", psi=psi, threshold=0.2, computed_at=ts)
        duck.insert("p.ledger_metadata.drift", [row])

    drift(D(2026, 11, 9), 0.9)  # red before v2 was promoted: v1's problem, not this restore
    drift(D(2026, 11, 10), 0.1)  # green on the day v2 was promoted
    drift(D(2026, 11, 11), 0.5)  # red: from 11 Nov 00:00 to the rollback at 12:00
    drift(D(2026, 11, 12), 0.7)  # after the rollback: not before it
    rows = duck.run("delivery", MODELS)
    assert measures(rows, "time_to_restore_hours") == pytest.approx(
        {("ledger", "pay-scorer", None): 12.0, (None, None, None): 12.0}
    )
    assert measures(rows, "version_service_hours_before_rollback")[("ledger", "pay-scorer", None)] == 24.0


def test_time_to_restore_starts_no_earlier_than_the_promotion(duck):
    """A red day that began under the previous version counts from the rolled-back version's promotion."""
    _events(duck)
    row = dict(
        check_date=D(2026, 11, 10),
        model="pay-scorer",
        feature="amount",
        psi=0.5,
        threshold=0.2,
        computed_at=datetime.datetime(2026, 12, 1),
    )
    duck.insert("p.ledger_metadata.drift", [row])  # v2 was promoted at 12:00 that day
    rows = duck.run("delivery", MODELS)
    assert measures(rows, "time_to_restore_hours")[("ledger", "pay-scorer", None)] == pytest.approx(24.0)


def test_delivery_without_promotions_has_no_rate(duck):
    rows = duck.run("delivery", MODELS)
    assert measures(rows, "change_failure_rate") == {(None, None, None): None}
    assert measures(rows, "deployments_per_week") == {(None, None, None): 0.0}
    assert measures(rows, "lead_time_hours") == {}


def test_value(duck):
    _usage(duck)
    rows = duck.run("value", MODELS)
    weeks = ("2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23")
    predictions = measures(rows, "predictions_week")
    assert [predictions[("ledger", "pay-scorer", w)] for w in weeks] == [700, 700, 350, 280]
    assert [predictions[("ledger", "refund-forecast", w)] for w in weeks] == [1000, 1000, 1000, 850]
    assert [predictions[("reach", "churn", w)] for w in weeks] == [0, 500, 0, 0]
    assert ("reach", "idle", weeks[0]) not in predictions  # never used: no rows
    change = measures(rows, "usage_change_week")
    assert [change[("ledger", "pay-scorer", w)] for w in weeks] == pytest.approx([0.0, 0.0, -0.5, -0.2])
    assert ("ledger", "refund-forecast", weeks[0]) not in change  # the week before had no predictions
    assert change[("ledger", "refund-forecast", weeks[3])] == pytest.approx(-0.15)
    assert change[("reach", "churn", weeks[2])] == pytest.approx(-1.0)
    # Last complete week: pay-scorer fell 20 % (threshold 30 %), refund-forecast 15 % (threshold 10 %).
    assert measures(rows, "usage_falling") == pytest.approx({("ledger", "refund-forecast", weeks[3]): 0.15})
    falling = next(r for r in rows if r["measure"] == "usage_falling")
    assert (falling["owner"], falling["detail"]) == (REFUND.owner, REFUND.kpi)


def test_governance_cards(duck):
    _events(duck)
    _usage(duck)
    rows = duck.run("governance", MODELS)
    # pay-scorer's champion after the rollback is v1: a full card and logged predictions (6 items);
    # refund-forecast's v3 card has no lock hash and its usage kept no prediction_history rows (4 items).
    assert measures(rows, "card_items") == {("ledger", "pay-scorer", None): 6, ("ledger", "refund-forecast", None): 4}
    assert measures(rows, "card_complete_share") == {(None, None, None): 0.5}


def test_governance_exceptions(duck):
    def exception(team, rule, resource, recorded, expires):
        return dict(
            recorded_at=datetime.datetime.fromisoformat(recorded),
            team=team,
            rule=rule,
            resource=resource,
            reason="r",
            approved_by="ciso@orbit.example",
            expires=expires,
        )

    duck.insert(
        f"p.g.{queries.EXCEPTIONS_TABLE}",
        [
            exception("ledger", "MLOPS_X", "r1", "2026-10-01 08:00", D(2027, 1, 31)),
            exception("ledger", "MLOPS_X", "r1", "2026-11-20 08:00", D(2027, 1, 31)),  # still seen: open
            exception("ledger", "MLOPS_Y", "r2", "2026-11-05 08:00", D(2026, 11, 20)),  # expired in the period
            exception("reach", "MLOPS_Z", "r3", "2026-09-01 08:00", D(2027, 6, 1)),  # not seen in the period
        ],
    )
    rows = duck.run("governance", MODELS)
    assert measures(rows, "open_exception_age_days") == {("ledger", None, "MLOPS_X"): 60}  # Oct 1 -> Nov 30
    assert measures(rows, "open_exceptions") == {("ledger", None, None): 1}


def _delta(action, member, expiry=None):
    condition = {"expression": f'request.time < timestamp("{expiry}")'} if expiry else None
    return {"action": action, "role": "roles/bigquery.dataViewer", "member": member, "condition": condition}


def test_governance_access_grants_by_expiry(duck):
    def change(when, project, *deltas, method="SetIamPolicy", resource=None):
        duck.insert(
            f"p.g.{queries.ACTIVITY_TABLE}",
            [
                {
                    "timestamp": datetime.datetime.fromisoformat(when),
                    "resource": {"type": "project", "labels": {"project_id": project}},
                    "protopayload_auditlog": {
                        "methodName": method,
                        "resourceName": resource or f"projects/{project}",
                        "servicedata_v1_iam": {"policyDelta": {"bindingDeltas": list(deltas)}},
                    },
                }
            ],
        )

    change("2026-11-02 09:00", "orbit-ledger-prod", _delta("ADD", "user:b@orbit.example"))
    change(
        "2026-11-10 09:00",
        "orbit-ledger-prod",
        _delta("ADD", "user:a@orbit.example", "2026-12-05T00:00:00Z"),
        _delta("ADD", "user:c@orbit.example", "2026-11-20T00:00:00Z"),
        _delta("ADD", "user:d@orbit.example", "2027-03-01T00:00:00Z"),
    )
    change("2026-11-25 09:00", "orbit-ledger-prod", _delta("REMOVE", "user:d@orbit.example", "2027-03-01T00:00:00Z"))
    change(
        "2026-11-12 09:00",
        "orbit-reach-prod",
        _delta("ADD", "user:e@orbit.example", "2026-12-20T00:00:00Z"),
        method="google.iam.v1.IAMPolicy.SetIamPolicy",
    )
    # The same member and role on a bucket: a grant of its own, not hidden by the project-level REMOVE.
    bucket = "projects/_/buckets/orbit-ledger-data"
    change(
        "2026-11-10 09:00",
        "orbit-ledger-prod",
        _delta("ADD", "user:d@orbit.example", "2027-03-01T00:00:00Z"),
        resource=bucket,
    )
    # A service account's policy: the IAM API spells the method SetIAMPolicy.
    change(
        "2026-11-14 09:00",
        "orbit-reach-prod",
        _delta("ADD", "user:h@orbit.example"),
        method="google.iam.admin.v1.SetIAMPolicy",
        resource="projects/orbit-reach-prod/serviceAccounts/scorer@orbit-reach-prod.iam.gserviceaccount.com",
    )
    change("2026-11-12 09:00", "someone-else", _delta("ADD", "user:f@orbit.example"))  # not a platform project
    change("2026-12-02 09:00", "orbit-reach-prod", _delta("ADD", "user:g@orbit.example"))  # after the period
    rows = duck.run("governance", MODELS)
    assert measures(rows, "access_grants") == {
        ("ledger", None, "no_expiry"): 1,
        ("ledger", None, "within_7_days"): 1,
        ("ledger", None, "expired"): 1,
        ("ledger", None, "later"): 1,
        ("reach", None, "within_30_days"): 1,
        ("reach", None, "no_expiry"): 1,
    }


def test_every_measure_is_tested():
    """The measures this file checks are all the measures the SQL files produce (docs/scorecard.md lists them)."""
    checked = set(MEASURES_CHECKED)
    assert checked == set(queries.MEASURES), set(queries.MEASURES) ^ checked


MEASURES_CHECKED = (
    "teams_onboarded",
    "teams_in_production",
    "models_in_production",
    "monitoring_all_green",
    "monitoring_all_green_share",
    "deployments",
    "rollbacks",
    "deployments_per_week",
    "change_failure_rate",
    "lead_time_hours",
    "time_to_restore_hours",
    "version_service_hours_before_rollback",
    "predictions_week",
    "usage_change_week",
    "usage_falling",
    "card_items",
    "card_complete_share",
    "open_exception_age_days",
    "open_exceptions",
    "access_grants",
)
