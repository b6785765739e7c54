"""Where a lifecycle command acts (project, region, audit project) and whether it may touch the network.

The audit event goes to the platform project of the environment, never to the team project: in the platform
project only the identities that run lifecycle commands (each team's CI deployer, its admins in an incident) hold
`roles/logging.logWriter` (policies/iam/contract.yaml), Cloud Logging's Data Access audit logs record who wrote
each entry, and the platform project's sinks route the `modelops-audit` log into the governance dataset
(modules/governance.py). In a team project the serving and pipeline accounts may write log entries too, so an
event written there could be forged, and nothing routes it. The audit project cannot be overridden, except towards
a loopback emulator (tests); `--project` changes where the command acts, not where its event goes.

Who ran the command comes from the credentials: the service account they belong to (or impersonate), else the
account Google's tokeninfo endpoint names for their access token. Nothing the caller sets (an environment
variable) can name someone else; Cloud Audit Logs record the authenticated principal of every call as well.

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

from config.model import Config, Team

DEFAULT_MONITORING_ENDPOINT = "https://monitoring.googleapis.com"
CI_VARIABLES = (
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID",
    "GITHUB_ACTOR",
    "GITHUB_SHA",
    "GITHUB_WORKFLOW",
    "CI_PROJECT_PATH",
    "CI_PIPELINE_ID",
    "GITLAB_USER_LOGIN",
    "BUILD_ID",
)


class LifecycleError(Exception):
    """Bad input found while resolving or acting (unknown env, missing endpoint...): exit 2."""


@dataclass(frozen=True)
class Target:
    env: str
    project: str  # the team's project in this environment: registry, endpoint, channels
    region: str
    audit_project: str  # the platform project of env: only lifecycle identities write there (see above)
    dry_run: bool
    api_endpoint: str | None = None  # Vertex AI (e.g. a Private Service Connect name)
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


def resolve(
    config: Config,
    team: Team,
    *,
    env: str | None,
    project: str | None,
    region: str | None,
    audit_project: str | None,
    dry_run: bool | None,
    emulator: str | None = None,
    api_endpoint: str | None = None,
) -> Target:
    """``emulator`` points every API at one local server (see tests/lifecycle/fake_gcp.py)."""
    envs = list(config.platform.environments)
    env = env or envs[0]
    if env not in config.platform.environments:
        raise LifecycleError(f"--env {env}: no such environment (known: {', '.join(envs)})")
    if env not in team.environments and not project:
        raise LifecycleError(
            f"team {team.name} has no '{env}' environment in {team.source.file}; "
            f"pass --project or one of: {', '.join(team.environments)}"
        )
    project = project or team.environments[env].project_id
    if emulator and not is_loopback(emulator):
        raise LifecycleError(f"--emulator {emulator}: only a loopback address (127.0.0.1, localhost) is allowed")
    if audit_project and not emulator:
        raise LifecycleError(
            f"--audit-project {audit_project}: the audit event always goes to the platform project "
            f"of --env ({config.platform.environments[env].project_id}), where only lifecycle "
            "identities may write it; another project is allowed only with a loopback --emulator"
        )
    if dry_run is None:
        dry_run = not (credentials_configured() or emulator)
    return Target(
        env=env,
        project=project,
        region=region or config.platform.region,
        audit_project=audit_project or config.platform.environments[env].project_id,
        dry_run=dry_run,
        api_endpoint=emulator or api_endpoint,
        logging_endpoint=emulator,
        monitoring_endpoint=emulator or DEFAULT_MONITORING_ENDPOINT,
    )


def credentials(target: Target) -> Any:
    return credentials_for(local=target.local)


def credentials_for(*, local: bool) -> Any:
    """Anonymous for a loopback emulator (never send real tokens over plain HTTP), else ADC."""
    if local:
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()
    import google.auth

    creds, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    return creds


TOKENINFO = "https://oauth2.googleapis.com/tokeninfo"  # https://developers.google.com/identity/sign-in/web/backend-auth


def caller(creds: Any = None) -> dict[str, Any]:
    """Who ran the command: ``principal`` from the credentials (``principal_of``); ``user``, ``host`` and ``ci``
    (the CI system's run variables) are context the machine reports, not identity. Cloud Audit Logs record the
    authenticated principal of every API call independently of this (docs/model-lifecycle.md, section 5)."""
    ci = {k.lower(): os.environ[k] for k in CI_VARIABLES if os.environ.get(k)}
    return {"principal": principal_of(creds), "user": _user(), "host": socket.gethostname(), "ci": ci or None}


def principal_of(creds: Any) -> str | None:
    """The e-mail the credentials authenticate as, or None (dry run, anonymous emulator credentials).

    Service-account, impersonated and workload-identity-federation credentials name their account
    (``service_account_email``); a metadata-server account names it once refreshed; user credentials are asked
    of Google's tokeninfo endpoint (the ``email`` of the access token)."""
    if creds is None:
        return None
    from google.auth.credentials import AnonymousCredentials

    if isinstance(creds, AnonymousCredentials):
        return None
    email = getattr(creds, "service_account_email", None)
    if email and email != "default":
        return str(email)
    import json

    import google.auth.exceptions
    import google.auth.transport.requests

    request = google.auth.transport.requests.Request()
    try:
        if not getattr(creds, "valid", False):
            creds.refresh(request)
        email = getattr(creds, "service_account_email", None)
        if email and email != "default":
            return str(email)
        # The token in the body, not the URL (URLs end up in proxy logs).
        reply = request(
            url=TOKENINFO,
            method="POST",
            body=f"access_token={creds.token}".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    except google.auth.exceptions.GoogleAuthError:
        return None
    if reply.status != 200:
        return None
    email = json.loads(reply.data).get("email")
    return str(email) if email else None


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
