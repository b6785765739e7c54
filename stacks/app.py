"""Build the cdktn App: `platform-<env>` per environment, `team-<team>-<env>` per team and environment."""
from __future__ import annotations

import time

from cdktn import App

from stacks.config import Config
from modules.ci_identity import grant_ci_roles
from modules.team_platform_access import add_team_platform_access
from stacks.models import add_platform_monitoring
from stacks.platform import PlatformStack
from stacks.selection import Selection, planned_stacks
from stacks.team import TeamStack

__all__ = ["TARGET_VERSIONS", "Selection", "build_app", "planned_stacks"]


# Ephemeral resources and write-only arguments (secrets kept out of state) need Terraform >= 1.11.
# Also declared in infra/cdktf.json for the cdktn CLI; a test keeps the two equal.
TARGET_VERSIONS = {"terraform": ">=1.11.0", "opentofu": ">=1.11.0"}


def build_app(config: Config, *, outdir: str | None = None, selection: Selection = Selection(),
              timings: dict[str, float] | None = None) -> App:
    """Construct the selected stacks; ``timings`` (if given) receives construct seconds per stack."""
    context = {"targetVersions": TARGET_VERSIONS}
    app = App(outdir=outdir, context=context) if outdir else App(context=context)
    platforms: dict[str, PlatformStack] = {}
    for stack_name, env, team_name in planned_stacks(config, selection):
        started = time.perf_counter()
        if team_name is None:
            platforms[env] = PlatformStack(app, config.platform, env)
            add_platform_monitoring(platforms[env], config, env)
            add_team_platform_access(platforms[env], config, env)
            grant_ci_roles(platforms[env], config, env)
        else:
            TeamStack(app, config.team(team_name), env, platforms[env])
        if timings is not None:
            timings[stack_name] = time.perf_counter() - started
    return app
