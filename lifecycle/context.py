"""Where a lifecycle command acts (project, region, audit project) and whether it may touch the network.

The audit event goes to the team project by default: the identities that run lifecycle commands (the
team's CI deployer, its admins in an incident) hold `roles/logging.logWriter` there and nowhere else
(policies/iam/contract.yaml), and the team project's audit sink (modules/governance.py) routes the
`modelops-audit` log into the governance dataset.

Dry run is the default when no credentials can be found without network I/O: a laptop or CI
job without Google credentials prints the exact requests and the audit event instead of failing.
"""
from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from stacks.config import Config, Team

DEFAULT_MONITORING_ENDPOINT = "https://monitoring.googleapis.com"
CI_VARIABLES = ("GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_ACTOR", "GITHUB_SHA", "GITHUB_WORKFLOW",
                "CI_PROJECT_PATH", "CI_PIPELINE_ID", "GITLAB_USER_LOGIN", "BUILD_ID")


class LifecycleError(Exception):
    """Bad input found while resolving or acting (unknown env, missing endpoint...): exit 2."""


@dataclass(frozen=True)
class Target:
    env: str
    project: str         # the team's project in this environment: registry, endpoint, channels
    region: str
    audit_project: str   # the team project: its sink routes modelops-audit to the governance dataset
    dry_run: bool
    api_endpoint: str | None = None          # Vertex AI (e.g. a Private Service Connect name)
    logging_endpoint: str | None = None
    monitoring_endpoint: str = DEFAULT_MONITORING_ENDPOINT

    @property
    def location_path(self) -> str:
        return f"projects/{self.project}/locations/{self.region}"

    @property
    def local(self) -> bool:
        """Every API points at a loopback emulator (tests, local development)."""
        return all(is_loopback(u) for u in (self.api_endpoint, self.logging_endpoint, self.monitoring_endpoint))


def is_loopback(url: str | None) -> bool:
    host = urlsplit(url).hostname if url else None
    return host is not None and (host == "localhost" or host.startswith("127.") or host == "::1")


def credentials_configured() -> bool:
    """Application Default Credentials discoverable without network (env var or gcloud's ADC file)."""
    if os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"):
        return True
    config_dir = os.environ.get("CLOUDSDK_CONFIG") or str(Path.home() / ".config" / "gcloud")
    return (Path(config_dir) / "application_default_credentials.json").is_file()


def resolve(config: Config, team: Team, *, env: str | None, project: str | None, region: str | None,
            audit_project: str | None, dry_run: bool | None, emulator: str | None = None,
            api_endpoint: str | None = None) -> Target:
    """``emulator`` points every API at one local server (see tests/lifecycle/fake_gcp.py)."""
    envs = list(config.platform.environments)
    env = env or envs[0]
    if env not in config.platform.environments:
        raise LifecycleError(f"--env {env}: no such environment (known: {', '.join(envs)})")
    if env not in team.environments and not project:
        raise LifecycleError(f"team {team.name} has no '{env}' environment in {team.source.file}; "
                             f"pass --project or one of: {', '.join(team.environments)}")
    project = project or team.environments[env].project_id
    if emulator and not is_loopback(emulator):
        raise LifecycleError(f"--emulator {emulator}: only a loopback address (127.0.0.1, localhost) is allowed")
    if dry_run is None:
        dry_run = not (credentials_configured() or emulator)
    return Target(env=env, project=project, region=region or config.platform.region,
                  audit_project=audit_project or project,
                  dry_run=dry_run, api_endpoint=emulator or api_endpoint, logging_endpoint=emulator,
                  monitoring_endpoint=emulator or DEFAULT_MONITORING_ENDPOINT)


def credentials(target: Target) -> Any:
    """Anonymous for a loopback emulator (never send real tokens over plain HTTP), else ADC."""
    if target.local:
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()
    import google.auth

    creds, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    return creds


def caller(creds: Any = None) -> dict[str, Any]:
    """Who ran the command, as far as it is known locally. Cloud Audit Logs record the
    authenticated principal of every API call independently of this."""
    ci = {k.lower(): os.environ[k] for k in CI_VARIABLES if os.environ.get(k)}
    principal = getattr(creds, "service_account_email", None) if creds is not None else None
    if principal in (None, "default"):
        principal = os.environ.get("MODELOPS_CALLER")
    return {"principal": principal, "user": _user(), "host": socket.gethostname(), "ci": ci or None}


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
