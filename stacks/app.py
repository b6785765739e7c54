"""Build the cdktn App: `platform-<env>` per environment, `team-<team>-<env>` per team and environment."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable

from cdktn import App

from stacks import names
from stacks.config import Config
from stacks.models import add_platform_monitoring
from stacks.platform import PlatformStack
from stacks.team import TeamStack


# Ephemeral resources and write-only arguments (secrets kept out of state) need Terraform >= 1.11.
# Also declared in infra/cdktf.json for the cdktn CLI; a test keeps the two equal.
TARGET_VERSIONS = {"terraform": ">=1.11.0", "opentofu": ">=1.11.0"}


@dataclass(frozen=True)
class Selection:
    """Which stacks to construct; empty means all. A team stack always brings its platform stack."""

    teams: frozenset[str] = frozenset()
    envs: frozenset[str] = frozenset()

    @classmethod
    def of(cls, teams: Iterable[str] = (), envs: Iterable[str] = ()) -> "Selection":
        return cls(frozenset(teams), frozenset(envs))

    def wants_env(self, env: str) -> bool:
        return not self.envs or env in self.envs

    def wants_team(self, team: str) -> bool:
        return not self.teams or team in self.teams


def planned_stacks(config: Config, selection: Selection = Selection()) -> list[tuple[str, str, str | None]]:
    """(stack name, env, team or None) for every stack the selection builds, in build order."""
    out = []
    for env in config.platform.environments:
        if not selection.wants_env(env):
            continue
        teams = [t for t in config.teams if env in t.environments and selection.wants_team(t.name)]
        if selection.teams and not teams:
            continue  # a platform stack is built only for what the selected teams depend on
        out.append((names.platform_stack(env), env, None))
        out += [(names.team_stack(t.name, env), env, t.name) for t in teams]
    return out


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
        else:
            TeamStack(app, config.team(team_name), env, platforms[env])
        if timings is not None:
            timings[stack_name] = time.perf_counter() - started
    return app
