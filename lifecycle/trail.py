"""What a lifecycle command did, step by step, so its audit event tells the truth when it stops halfway.

A deploy that fails at the monitoring step has already put a canary on the endpoint: the event must
say so (``result.deployed_model_id`` and a ``deploy_model`` step marked done) next to the error that
stopped it. ``run`` writes the event for success and failure alike, and for an interruption too: Ctrl-C
(KeyboardInterrupt), SIGTERM (a cancelled CI job: turned into ``Terminated`` while the command runs) and
any other BaseException write a ``failed`` event, then propagate. When the audit write itself fails while a
step had failed, the step's error is the one raised (the audit failure is attached as a note), and the
error carries a note listing the steps that were done before it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from config.model import Model, Team
from lifecycle import audit
from lifecycle.card import ModelCard
from lifecycle.context import Target, caller, credentials
from lifecycle.vertex import DryRunVertex, LiveVertex, Recorder

SIGTERM_EXIT = 128 + signal.SIGTERM


class AuditNotWritten(Exception):
    """The action succeeded but its audit event could not be written (exit 1; the event is printed)."""

    def __init__(self, outcome: Outcome, cause: Exception):
        super().__init__(
            f"{outcome.action} succeeded, but its audit event was not written to "
            f"{audit.log_path(outcome.target)}: {type(cause).__name__}: {cause}"
        )
        self.outcome = outcome


class Terminated(SystemExit):
    """SIGTERM arrived while a command ran (CI cancels a job with it)."""

    def __init__(self) -> None:
        super().__init__(SIGTERM_EXIT)

    def __str__(self) -> str:
        return "terminated by SIGTERM"


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
        except BaseException as exc:
            entry.update(status="failed", error=_describe(exc))
            raise
        entry["status"] = "done"

    def done(self) -> list[str]:
        return [s["step"] for s in self.steps if s["status"] == "done"]


@dataclass
class Outcome:
    action: str
    target: Target
    requests: list[dict[str, Any]]
    audit_event: dict[str, Any]
    result: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "dry_run": self.target.dry_run,
            "requests": self.requests,
            "result": self.result,
            "audit_log": audit.log_path(self.target),
            "audit_event": self.audit_event,
            "notes": self.notes,
        }


Body = Callable[[DryRunVertex, Progress], None]


def vertex_for(target: Target, recorder: Recorder) -> tuple[DryRunVertex, Any]:
    if target.dry_run:
        return DryRunVertex(recorder), None
    creds = credentials(target)
    return LiveVertex(
        recorder,
        project=target.project,
        location=target.region,
        credentials=creds,
        api_endpoint=target.api_endpoint,
        monitoring_endpoint=target.monitoring_endpoint,
    ), creds


def run(action: str, target: Target, team: Team, model: Model, card: ModelCard | None, body: Body) -> Outcome:
    """Run ``body`` against Vertex (or a dry run), then write the audit event, for failures too."""
    recorder = Recorder()
    vertex, creds = vertex_for(target, recorder)
    progress = Progress()
    who = caller(creds)
    raw_card = dict(card.raw) if card else None

    def event(outcome: str = "succeeded", error: str | None = None) -> dict[str, Any]:
        steps: list[Mapping[str, Any]] = list(progress.steps)
        return audit.event(
            action,
            target=target,
            team=team.name,
            model=model.name,
            caller=who,
            card=raw_card,
            result=progress.result,
            steps=steps,
            outcome=outcome,
            error=error,
        )

    try:
        with _sigterm_raises():
            body(vertex, progress)
    except BaseException as exc:
        if progress.done():
            exc.add_note(f"done before it stopped: {', '.join(progress.done())} (see the audit event's steps)")
        if not target.dry_run:
            try:
                audit.write(event("failed", _describe(exc)), target, creds)
            except Exception as audit_exc:  # the step's error is what the caller must see
                exc.add_note(
                    f"the audit event of this failure was not written to {audit.log_path(target)}: "
                    f"{type(audit_exc).__name__}: {audit_exc}"
                )
        raise
    succeeded = event()
    if target.dry_run:
        progress.notes.insert(
            0, "dry run: nothing was sent; values in <...> are resolved by the reads listed before them"
        )
    outcome = Outcome(action, target, recorder.requests, succeeded, progress.result, progress.notes)
    if not target.dry_run:
        try:
            audit.write(succeeded, target, creds)
        except Exception as audit_exc:
            raise AuditNotWritten(outcome, audit_exc) from audit_exc
    return outcome


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "KeyboardInterrupt: interrupted"
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While a command runs, SIGTERM raises ``Terminated`` (Python's default would end the process at once, with
    no event); only the main thread can install a handler, elsewhere the default stays."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
