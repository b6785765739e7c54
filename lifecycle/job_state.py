"""Waiting for the endpoint's monitoring job to accept an update.

"JOB_STATE_UPDATING: The job is being updated. Only jobs in the RUNNING state can be updated. After
updating, the job goes back to the RUNNING state" (JobState, aiplatform_v1/types/job_state.py:58-61 in
google-cloud-aiplatform 2.7.0). A new job is PENDING: "When the job is still creating, the state will be
'PENDING'. Once the job is successfully created, the state will be 'RUNNING'. Pause the job, the state will
be 'PAUSED'" (ModelDeploymentMonitoringJob.state, aiplatform_v1/types/model_deployment_monitoring_job.py:92-100).
Without an instance schema "the job remains in a pending state until Model Monitoring can automatically parse
the schema from the first 1000 prediction requests the model receives"
(https://cloud.google.com/vertex-ai/docs/model-monitoring/using-model-monitoring), so PENDING can last as long
as the endpoint's traffic needs: the wait is bounded, and what stops it is said plainly.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from lifecycle.errors import MonitoringNotReady
from lifecycle.identity import with_project
from lifecycle.vertex import MonitoringState

RUNNING = "JOB_STATE_RUNNING"
PENDING = "JOB_STATE_PENDING"
PAUSED = "JOB_STATE_PAUSED"
UPDATING = "JOB_STATE_UPDATING"
# States a job leaves by itself (QUEUED: "just created or resumed and processing has not yet begun").
PASSING = (PENDING, UPDATING, "JOB_STATE_QUEUED")
DEFAULT_WAIT_SECONDS = 600
POLL_SECONDS = 15.0


def wait_running(
    read: Callable[[], MonitoringState | None],
    wait_seconds: float | None,
    *,
    first: MonitoringState | None = None,
    project: str | None = None,
    region: str = "<region>",
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> MonitoringState:
    """The job once it is RUNNING (or unknown, in a dry run); else MonitoringNotReady after ``wait_seconds``
    (None: DEFAULT_WAIT_SECONDS) for a state that passes, at once for one that does not (PAUSED, FAILED...)."""
    wait_seconds = DEFAULT_WAIT_SECONDS if wait_seconds is None else wait_seconds
    start = clock()
    state = first if first is not None else read()
    while True:
        if state is None:
            raise MonitoringNotReady("", "NOT_FOUND", "the endpoint names a monitoring job that does not exist")
        if state.state is None or state.state == RUNNING:
            return state
        waited = clock() - start
        if state.state not in PASSING or waited >= wait_seconds:
            name = with_project(state.name, project) if project else state.name
            raise MonitoringNotReady(name, state.state, _why(name, state.state, waited, region))
        sleep(max(0.0, min(POLL_SECONDS, wait_seconds - waited)))
        state = read()


def _why(job: str, state: str, waited: float, region: str) -> str:
    head = f"monitoring job {job} is {state.removeprefix('JOB_STATE_')}"
    if state == PAUSED:
        return (
            f"{head}: someone paused it, and only RUNNING jobs can be updated; resume it "
            f"(gcloud ai model-monitoring-jobs resume {job.rsplit('/', 1)[-1]} --region={region}) and run the "
            "command again"
        )
    if state == PENDING:
        return (
            f"{head} after {waited:.0f}s, and only RUNNING jobs can be updated: Vertex AI keeps a new job PENDING "
            "until it has parsed the instance schema from the first 1000 prediction requests "
            "(https://cloud.google.com/vertex-ai/docs/model-monitoring/using-model-monitoring); run the command "
            "again once `modelops status` shows it RUNNING, or wait longer with --monitoring-wait"
        )
    if state in PASSING:
        return (
            f"{head} after {waited:.0f}s, and only RUNNING jobs can be updated (another update is being applied); "
            "run the command again later, or wait longer with --monitoring-wait"
        )
    return f"{head}: only RUNNING jobs can be updated; look at the job in the console before acting again"
