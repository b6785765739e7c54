"""What the scorecard SQL knows about the configuration: models with owner and KPI, and where each team's data is.

The SQL runs in BigQuery on a schedule, so the facts that live only in YAML (pattern, runtime, impact owner,
KPI, usage-drop threshold, the project of each team's metadata dataset) are written into the query as an
inline table when the job is synthesized: the query always matches the configuration it was deployed with.
"""

from __future__ import annotations

from dataclasses import dataclass

from config import names
from config.model import Config, Model
from config.patterns import spec_of

PLATFORM_TEAM = "_platform"  # IAM changes of the platform project itself


@dataclass(frozen=True)
class ModelRow:
    team: str
    model: str
    pattern: str
    runtime: str
    owner: str
    kpi: str
    usage_drop_threshold: float


@dataclass(frozen=True)
class TeamData:
    """A team's metadata dataset in one environment (modules/metadata_tables.py declares its tables)."""

    team: str
    project: str
    dataset: str


@dataclass(frozen=True)
class Sources:
    governance_project: str
    governance_dataset: str
    teams: tuple[TeamData, ...]
    projects: tuple[tuple[str, str], ...]  # (project id, team) of every project whose IAM changes count
    production_envs: tuple[str, ...]  # platform.yaml: Platform.is_production

    def governance(self, table: str) -> str:
        return f"`{self.governance_project}.{self.governance_dataset}.{table}`"


def runtime(model: Model) -> str:
    """What serves the champion, from the pattern's spec (config/patterns.py), not a name of our own."""
    spec = spec_of(model).lifecycle
    return "Vertex AI endpoint" if spec.endpoint else (spec.champion_reader or model.pattern)


def usage_drop_threshold(model: Model) -> float:
    """`impact.usage_drop_alert` of the team file (schema default 0.3)."""
    return float(model.impact.usage_drop_alert)


def models(config: Config) -> tuple[ModelRow, ...]:
    return tuple(
        ModelRow(
            team.name,
            m.name,
            m.pattern,
            runtime(m),
            m.impact.owner,
            m.impact.kpi,
            usage_drop_threshold(m),
        )
        for team in config.teams
        for m in team.models
    )


def sources(config: Config, env: str) -> Sources:
    """Where the scorecard reads in ``env``: the platform's governance dataset and each team's metadata dataset."""
    platform = config.platform
    teams = tuple(
        TeamData(t.name, t.environments[env].project_id, names.metadata_dataset_id(t.name))
        for t in config.teams
        if env in t.environments and t.models
    )
    projects = ((platform.environments[env].project_id, PLATFORM_TEAM),) + tuple(
        (t.environments[env].project_id, t.name) for t in config.teams if env in t.environments
    )
    production = tuple(e for e in platform.environments if platform.is_production(e))
    return Sources(
        platform.environments[env].project_id, names.governance_dataset_id(platform.name), teams, projects, production
    )
