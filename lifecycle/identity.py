"""One identity for a model version, however Vertex AI spells the project.

Vertex AI answers with resource names that carry the project *number*
(``projects/123456789012/locations/...``) where the caller wrote the project *id*: the v1 protos
document the pattern as ``projects/{project}/...`` with either form, and the SDK's own docstrings
call ``{project}`` a project number (aiplatform/models.py:772, jobs.py:1921 in 2.7.0). So names
read back from the API are never compared as strings with names the CLI builds. A model version
is identified by (location, model id, version id), which both spellings share; the project is
implied: a command reads and writes one project (the team project of its environment: registry, endpoint
and monitoring job all live there), so two keys from one command never come from different projects.
Names that go into audit events are spelled with the project id (``with_project``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(
    r"^projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/(?P<kind>[a-zA-Z]+)/(?P<id>[^/@:]+)"
    r"(?:@(?P<ref>[^/:]+))?$"
)


@dataclass(frozen=True)
class ResourceName:
    project: str  # id or number, as written
    location: str
    kind: str  # models, endpoints, modelDeploymentMonitoringJobs
    id: str
    ref: str | None  # version id or alias after '@' (models only)


def parse(name: str) -> ResourceName:
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"not a Vertex AI resource name: {name!r}")
    return ResourceName(**match.groupdict())


@dataclass(frozen=True, order=True)
class ModelKey:
    """(location, model id, version id): equal for ``projects/acme-fraud-dev/...`` and ``projects/1234/...``."""

    location: str
    model_id: str
    version_id: str

    @classmethod
    def of(cls, model_name: str, version_id: str) -> ModelKey:
        parsed = parse(model_name)
        return cls(parsed.location, parsed.id, str(version_id))

    def resource(self, project: str) -> str:
        """The canonical name audit events carry: the project *id* the CLI was given."""
        return f"projects/{project}/locations/{self.location}/models/{self.model_id}"


def resource_id(name: str) -> str:
    return parse(name).id


def with_project(name: str, project: str) -> str:
    """``name`` with the project spelled as ``project`` (the id the command was given), however the API spelled it.
    A name that is not a resource name (a dry run's placeholder) is returned as it is."""
    if not _NAME.match(name):
        return name
    parsed = parse(name)
    ref = f"@{parsed.ref}" if parsed.ref else ""
    return f"projects/{project}/locations/{parsed.location}/{parsed.kind}/{parsed.id}{ref}"
