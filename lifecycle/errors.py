"""Why a lifecycle command stops when the input is fine: Google Cloud's current state does not allow the step.

``context.LifecycleError`` is bad input (exit 2). These are exit 1, like a request Google Cloud refuses:
the same command may succeed later, once the state has changed.
"""

from __future__ import annotations


class NotReady(Exception):
    """The state of a resource stops the command; the message says which and what to do."""


class MonitoringNotReady(NotReady):
    """The endpoint's monitoring job is not RUNNING, and only RUNNING jobs can be updated."""

    def __init__(self, job: str, state: str, message: str):
        super().__init__(message)
        self.job, self.state = job, state


class EndpointChanged(NotReady):
    """The endpoint changed between the command's read and its write (another command acted on it)."""
