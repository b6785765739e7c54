"""Audit events: one structured `modelops-audit` log entry per lifecycle action.

Written to the platform project of the environment (``Target.audit_project``, lifecycle/context.py), where only
the identities that run lifecycle commands may write log entries and Cloud Audit Logs record who wrote each one;
the platform project's audit sink routes the log into the governance BigQuery dataset (table ``modelops_audit``,
the same table for every team), so an auditor can join a prediction (endpoint, deployed model, time) back to the
card (data, code, approvals) and each event to the audit records of its writer and of the Vertex AI calls it
describes (docs/model-lifecycle.md, section 5).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from config import names
from lifecycle.context import Target

# 2: `steps` (what each step did, the failed one with its error); `result.model_id`, `result.endpoint_id`;
# `result.model` and `result.endpoint` always spell the project by id, as the CLI was given it.
SCHEMA_VERSION = 2


def event(
    action: str,
    *,
    target: Target,
    team: str,
    model: str,
    caller: Mapping[str, Any],
    card: Mapping[str, Any] | None,
    result: Mapping[str, Any],
    steps: list[Mapping[str, Any]] | None = None,
    outcome: str = "succeeded",
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "event": f"model_{action}",
        "action": action,
        "outcome": outcome,
        "error": error,
        "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "team": team,
        "model": model,
        "env": target.env,
        "project": target.project,
        "region": target.region,
        "dry_run": target.dry_run,
        "caller": dict(caller),
        "card": dict(card) if card is not None else None,
        "result": dict(result),
        "steps": [dict(s) for s in steps or ()],
    }


def labels(payload: Mapping[str, Any]) -> dict[str, str]:
    """Entry labels for filtering in Logs Explorer (payload fields are the system of record)."""
    return {
        "team": payload["team"],
        "model": payload.get("model") or "",
        "action": payload["action"],
        "env": payload["env"],
        "outcome": payload["outcome"],
    }


def write(payload: Mapping[str, Any], target: Target, creds: Any) -> None:
    """Write one entry to projects/<audit project>/logs/modelops-audit."""
    import google.cloud.logging
    import google.cloud.logging_v2
    from google.cloud.logging import Resource

    # The client's first write in a process adds a diagnostic entry to the same log; it would
    # land in the governance table as a row that is not an audit event. Skip it.
    google.cloud.logging_v2._instrumentation_emitted = True
    options = {"api_endpoint": target.logging_endpoint} if target.logging_endpoint else None
    client = google.cloud.logging.Client(
        project=target.audit_project, credentials=creds, client_options=options, _use_grpc=False
    )
    # An explicit resource: without it the client probes the metadata server to detect one.
    logger = client.logger(
        names.AUDIT_LOG_NAME, resource=Resource(type="global", labels={"project_id": target.audit_project})
    )
    logger.log_struct(
        dict(payload), severity="NOTICE" if payload["outcome"] == "succeeded" else "ERROR", labels=labels(payload)
    )


def log_path(target: Target) -> str:
    return f"projects/{target.audit_project}/logs/{names.AUDIT_LOG_NAME}"
