"""Which stacks a run builds. Pure config logic: listing stacks never imports the provider bindings."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from config import names
from config.model import Config, Platform, Team


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


# --- what each stack reads: `--changed-from` selects the stacks whose inputs differ -------------------------

# Config fields no synthesis reads: exceptions and their approvers (the gate's), where a value was written
# (lines), and defaults already resolved into the models.
_NOT_SYNTHESIZED = frozenset(
    {"source", "suppressions", "suppression_approvers", "default_thresholds", "platform_defaults"}
)


def _plain(value: Any) -> Any:
    """Config objects as plain JSON-able data, without the fields no synthesis reads."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name not in _NOT_SYNTHESIZED
        }
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _platform_seen_by_team_stacks(platform: Platform, env: str) -> dict[str, Any]:
    """What a team stack of ``env`` reads of platform.yaml: names, region, domain, its environment, the on-call
    channel it copies, CI. Not the cluster settings, guardrails or other environments (the platform stack's)."""
    oncall = platform.oncall_channel
    return {
        "name": platform.name,
        "region": platform.region,
        "domain": platform.organization.domain,
        "environment": _plain(platform.environments[env]),
        "oncall": _plain(platform.notification_channels.get(oncall)) if oncall else None,
        "ci": _plain(platform.ci),
    }


def _team_seen_by_the_platform_stack(team: Team, env: str, production: bool) -> dict[str, Any]:
    """What the platform stack of ``env`` reads of a team: its project joins the metrics scope and gets the
    platform's grants (tenancy from the groups, keys per pattern, DLP by classification, CI roles per the types
    its stack holds), its models appear on the platform dashboard, and the team stack's references to platform
    attributes (keys, template, governance dataset) become the platform stack's outputs."""
    return {
        "name": team.name,
        "project_id": team.environments[env].project_id,
        # The production platform stack e-mails the business owner about falling usage and names the team in the
        # alert's text (modules/scorecard/usage_alerts.py).
        **({"display_name": team.display_name, "business_owner": team.business_owner} if production else {}),
        "groups": _plain(team.groups),
        "data_classification": team.data_classification,
        "channel_types": sorted({c.type for c in team.notification_channels.values()}),
        "models": [
            {
                "name": m.name,
                "pattern": m.pattern,
                "owner": m.impact.owner,
                # The production platform stack's scorecard workflow names each model's KPI and usage-drop threshold
                # (modules/scorecard/catalogue.py).
                **({"kpi": m.impact.kpi, "usage_drop_alert": m.impact.usage_drop_alert} if production else {}),
            }
            for m in team.models
        ],
    }


def stack_inputs(config: Config) -> dict[str, str]:
    """Stack name -> canonical JSON of everything its synthesis reads from the config. Two configs synthesize a
    stack identically when these agree (same code); tests/test_changed_from.py holds this against real diffs of
    the synthesized JSON."""
    out: dict[str, str] = {}
    for name, env, team_name in planned_stacks(config):
        if team_name is None:
            teams = [
                _team_seen_by_the_platform_stack(t, env, config.platform.is_production(env))
                for t in config.teams
                if env in t.environments
            ]
            data: Any = {"platform": _plain(config.platform), "teams": teams}
        else:
            team = _plain(config.team(team_name))
            team["environments"] = {env: team["environments"][env]}  # a team stack reads its own environment only
            data = {"platform": _platform_seen_by_team_stacks(config.platform, env), "team": team, "env": env}
        out[name] = json.dumps(data, sort_keys=True, default=str)
    return out
