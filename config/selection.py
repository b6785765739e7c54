"""Which stacks a run builds. Pure config logic: listing stacks never imports the provider bindings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from config import names
from config.model import Config


@dataclass(frozen=True)
class Selection:
    """Which stacks to construct; empty means all. A team stack always brings its platform stack."""

    teams: frozenset[str] = frozenset()
    envs: frozenset[str] = frozenset()

    @classmethod
    def of(cls, teams: Iterable[str] = (), envs: Iterable[str] = ()) -> Selection:
        return cls(frozenset(teams), frozenset(envs))

    def wants_env(self, env: str) -> bool:
        return not self.envs or env in self.envs

    def wants_team(self, team: str) -> bool:
        return not self.teams or team in self.teams


def planned_stacks(config: Config, selection: Selection = Selection()) -> list[tuple[str, str, str | None]]:
    """(stack name, env, team or None) for every stack the selection builds, in build order."""
    out: list[tuple[str, str, str | None]] = []
    for env in config.platform.environments:
        if not selection.wants_env(env):
            continue
        teams = [t for t in config.teams if env in t.environments and selection.wants_team(t.name)]
        if selection.teams and not teams:
            continue  # a platform stack is built only for what the selected teams depend on
        out.append((names.platform_stack(env), env, None))
        out += [(names.team_stack(t.name, env), env, t.name) for t in teams]
    return out
