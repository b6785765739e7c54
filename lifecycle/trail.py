"""What a lifecycle command did, step by step, so its audit event tells the truth when it stops halfway.

A deploy that fails at the monitoring step has already put a canary on the endpoint: the event must
say so (``result.deployed_model_id`` and a ``deploy_model`` step marked done) next to the error that
stopped it. ``run`` writes the event for success and failure alike; when the audit write itself fails
while a step had failed, the step's error is the one raised (the audit failure is attached as a note).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from lifecycle import audit
from lifecycle.card import ModelCard
from lifecycle.context import Target, caller, credentials
from lifecycle.vertex import DryRunVertex, LiveVertex, Recorder
from stacks.config import Model, Team


class AuditNotWritten(Exception):
    """The action succeeded but its audit event could not be written (exit 1; the event is printed)."""

    def __init__(self, outcome: "Outcome", cause: Exception):
        super().__init__(f"{outcome.action} succeeded, but its audit event was not written to "
                         f"{audit.log_path(outcome.target)}: {type(cause).__name__}: {cause}")
        self.outcome = outcome


@dataclass
class Progress:
    """Filled in by an action's body as it goes: result facts, notes, and the steps it took."""

    result: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)

    @contextmanager
    def step(self, name: str, **facts: Any) -> Iterator[dict[str, Any]]:
        entry: dict[str, Any] = {"step": name, "status": "started", **facts}
        self.steps.append(entry)
        try:
            yield entry
        except Exception as exc:
            entry.update(status="failed", error=f"{type(exc).__name__}: {exc}")
            raise
        entry["status"] = "done"


@dataclass
class Outcome:
    action: str
    target: Target
    requests: list[dict[str, Any]]
    audit_event: dict[str, Any]
    result: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "dry_run": self.target.dry_run, "requests": self.requests,
                "result": self.result, "audit_log": audit.log_path(self.target), "audit_event": self.audit_event,
                "notes": self.notes}


Body = Callable[[DryRunVertex, Progress], None]


def vertex_for(target: Target, recorder: Recorder) -> tuple[DryRunVertex, Any]:
    if target.dry_run:
        return DryRunVertex(recorder), None
    creds = credentials(target)
    return LiveVertex(recorder, project=target.project, location=target.region, credentials=creds,
                      api_endpoint=target.api_endpoint, monitoring_endpoint=target.monitoring_endpoint), creds


def run(action: str, target: Target, team: Team, model: Model, card: ModelCard | None, body: Body) -> Outcome:
    """Run ``body`` against Vertex (or a dry run), then write the audit event, for failures too."""
    recorder = Recorder()
    vertex, creds = vertex_for(target, recorder)
    progress = Progress()
    who = caller(creds)
    raw_card = dict(card.raw) if card else None

    def event(outcome: str = "succeeded", error: str | None = None) -> dict[str, Any]:
        return audit.event(action, target=target, team=team.name, model=model.name, caller=who, card=raw_card,
                           result=progress.result, steps=progress.steps, outcome=outcome, error=error)

    try:
        body(vertex, progress)
    except Exception as exc:
        if not target.dry_run:
            try:
                audit.write(event("failed", f"{type(exc).__name__}: {exc}"), target, creds)
            except Exception as audit_exc:  # the step's error is what the caller must see
                exc.add_note(f"the audit event of this failure was not written to {audit.log_path(target)}: "
                             f"{type(audit_exc).__name__}: {audit_exc}")
        raise
    succeeded = event()
    if target.dry_run:
        progress.notes.insert(0, "dry run: nothing was sent; values in <...> are resolved by the reads listed before them")
    outcome = Outcome(action, target, recorder.requests, succeeded, progress.result, progress.notes)
    if not target.dry_run:
        try:
            audit.write(succeeded, target, creds)
        except Exception as audit_exc:
            raise AuditNotWritten(outcome, audit_exc) from audit_exc
    return outcome
