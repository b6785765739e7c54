"""Build the cdktn App: `platform-<env>` per environment, `team-<team>-<env>` per team and environment."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from cdktn import App

from config.errors import EXIT_BAD_INPUT, ConfigInvalid, write_errors
from config.model import Config
from config.selection import Selection, planned_stacks
from modules.ci_identity import grant_ci_roles
from modules.team_platform_access import add_team_platform_access
from stacks.base import TERRAFORM_MIN_VERSION
from stacks.models import add_platform_monitoring
from stacks.platform import PlatformStack
from stacks.scorecard import add_scorecard
from stacks.team import TeamStack

__all__ = ["TARGET_VERSIONS", "Selection", "build_app", "planned_stacks", "synth_for_cdktn"]


# What the cdktn CLI checks the Terraform binary against; also declared in infra/cdktf.json (which the
# CLI reads), and a test keeps the two equal.
TARGET_VERSIONS = {"terraform": f">={TERRAFORM_MIN_VERSION}", "opentofu": f">={TERRAFORM_MIN_VERSION}"}


def build_app(
    config: Config,
    *,
    outdir: str | None = None,
    selection: Selection = Selection(),
    timings: dict[str, float] | None = None,
) -> App:
    """Construct the selected stacks; ``timings`` (if given) receives construct seconds per stack."""
    context = {"targetVersions": TARGET_VERSIONS}
    app = App(outdir=outdir, context=context) if outdir else App(context=context)
    platforms: dict[str, PlatformStack] = {}
    for stack_name, env, team_name in planned_stacks(config, selection):
        started = time.perf_counter()
        if team_name is None:
            platforms[env] = PlatformStack(app, config.platform, env)
            dashboard = add_platform_monitoring(platforms[env], config, env)
            add_scorecard(platforms[env], config, env, dashboard)
            add_team_platform_access(platforms[env], config, env)
            grant_ci_roles(platforms[env], config, env)
        else:
            TeamStack(app, config.team(team_name), env, platforms[env])
        if timings is not None:
            timings[stack_name] = time.perf_counter() - started
    return app


def synth_for_cdktn(config_dir: Path) -> int:
    """What `cdktn synth|deploy` runs (infra/main.py): the same config checks and the same app as
    `modelops synth`; the output directory comes from the cdktn CLI (CDKTF_OUTDIR)."""
    from config.loader import load_config

    try:
        config = load_config(config_dir)
        app = build_app(config)  # a stack can refuse what Google would refuse at apply (e.g. a source size)
    except ConfigInvalid as exc:
        write_errors(exc.errors, sys.stderr, sys.stdout, annotations=os.environ.get("GITHUB_ACTIONS") == "true")
        return EXIT_BAD_INPUT
    app.synth()
    return 0
