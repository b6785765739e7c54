"""The REST calls the code makes, and the permissions Google's reference says each one checks.

Sources of a call's permissions, in order: the pinned REST map (policies/iam/google_iam.py ``methods``, from
Google's REST reference pages), plus what contract.yaml ``call_notes`` adds where the map has nothing, minus what
it marks ``not_needed`` (each with why). Calls are found in the synthesized stacks: every Workflows connector
call (``call: googleapis.<service>.<version>.<method path>``) and HTTP call to a Google API in a workflow's
source, and every Cloud Scheduler job's HTTP target. The lifecycle CLI's calls are listed in the deployer's
contract steps and checked against the requests it makes (tests/policies/test_iam_calls.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from policies.engine.stackset import Resource, StackDoc
from policies.iam import google_iam

CONNECTOR = re.compile(r"^googleapis\.([a-z0-9]+)\.(v[0-9a-z]+)\.([A-Za-z0-9_.]+)$")
# Google API URLs the workflows and schedulers call over HTTP -> REST method id (Google's REST reference names).
URL_METHODS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "POST",
        re.compile(r"^https://monitoring\.googleapis\.com/v3/projects/[^/]+/timeSeries$"),
        "monitoring.projects.timeSeries.create",
    ),
    (
        "POST",
        re.compile(
            r"^https://workflowexecutions\.googleapis\.com/v1/projects/[^/]+/locations/[^/]+/workflows/[^/]+/executions$"
        ),
        "workflowexecutions.projects.locations.workflows.executions.create",
    ),
)


def connector_method(call: str) -> str | None:
    """`googleapis.aiplatform.v1.projects.locations.batchPredictionJobs.cancel` -> its REST method id."""
    match = CONNECTOR.match(call)
    return f"{match.group(1)}.{match.group(3)}" if match else None


def url_method(http_method: str, url: str) -> str | None:
    for verb, pattern, method in URL_METHODS:
        if verb == http_method.upper() and pattern.match(url):
            return method
    return None


def needed(method: str, notes: dict[str, Any]) -> tuple[frozenset[str], str | None]:
    """(permissions the call checks, problem): the map's, plus the note's, minus what the note marks not needed."""
    mapped = google_iam.method_permissions(method)
    note = notes.get(method, {})
    out = (set(mapped or ()) | set(note.get("permissions", ()))) - set(note.get("not_needed", {}))
    if not out and note.get("no_permission"):
        return frozenset(), None  # Google's REST page names no IAM permission (e.g. PAM authorizes by entitlement)
    if not out:
        where = "is not in" if mapped is None else "has no permission in"
        return frozenset(), (
            f"{method} {where} the pinned REST map and policies/iam/contract.yaml call_notes names none: add the "
            "permission Google's REST page names, with its source"
        )
    stale = set(note.get("not_needed", {})) - set(mapped or ())
    if stale:
        return frozenset(
            out
        ), f"call_notes marks {sorted(stale)} not needed for {method}, but the map does not name them"
    return frozenset(out), None


def _plain(text: str) -> str:
    """Workflows source as synthesized: Terraform escapes `${` as `$${`."""
    return text.replace("$${", "${")


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _literal(value: Any) -> str | None:
    """The URL a workflow builds as `${"https://.../projects/" + expr + "/timeSeries"}`, each expression standing
    for one path segment (`p`): the quoted URL pieces are the first `https://` literal and the `/...` ones after it."""
    if not isinstance(value, str):
        return None
    if not value.startswith("${"):
        return value
    pieces = re.findall(r'"([^"]*)"', value)
    start = next((i for i, piece in enumerate(pieces) if piece.startswith("https://")), None)
    if start is None:
        return None
    url = pieces[start]
    for piece in pieces[start + 1 :]:
        if piece.startswith("/"):
            url += "p" + piece
    return url


def workflow_calls(resource: Resource) -> list[tuple[str, str | None]]:
    """(what the source says, REST method or None) for every Google API call of one synthesized workflow."""
    source = yaml.safe_load(_plain(str(resource.conf.get("source_contents", ""))))
    out: list[tuple[str, str | None]] = []
    for step in _walk(source):
        call = step.get("call")
        if not isinstance(call, str):
            continue
        if call.startswith("googleapis."):
            out.append((call, connector_method(call)))
        elif call.startswith("http."):
            url = _literal((step.get("args") or {}).get("url"))
            if url and "googleapis.com" in url:
                out.append((f"{call} {url}", url_method(call.split(".", 1)[1], url)))
    return out


def scheduler_calls(resource: Resource) -> list[tuple[str, str | None]]:
    target = resource.conf.get("http_target") or {}
    uri = str(target.get("uri", ""))
    concrete = re.sub(r"\$\{[^}]+\}", "projects/p/locations/l/workflows/w", uri)
    return [
        (f"{target.get('http_method', 'POST')} {uri}", url_method(str(target.get("http_method", "POST")), concrete))
    ]


def stack_calls(stack: StackDoc) -> Iterator[tuple[Resource, str, str | None]]:
    """(resource, call as written, REST method) for every workflow and scheduler job of a stack."""
    for resource in stack.resources("google_workflows_workflow"):
        for written, method in workflow_calls(resource):
            yield resource, written, method
    for resource in stack.resources("google_cloud_scheduler_job"):
        for written, method in scheduler_calls(resource):
            yield resource, written, method
