"""A team project as the scheduled workflows see it: the synthesized definitions plus fake services.

`World.of(stacks, config, team, env)` takes the workflow sources Terraform would deploy (from the
session's synthesized stacks, `$${` unescaped back to `${`), creates the team dataset's tables
from their specs in a FakeBigQuery, and runs a definition with `execute`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from config import names
from config.model import Model, Team
from modules import metadata_tables
from tests.helpers import resources
from tests.quality.duck import VERTEX_REQUEST_LOG
from tests.workflows import fakes

UTC = datetime.UTC


def at(day: str, hour: int = 5, minute: int = 0) -> float:
    """Seconds since the epoch of `day` at hour:minute UTC."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC).timestamp()


def source(stack: dict, construct: str) -> dict[str, Any]:
    workflow = resources(stack, "google_workflows_workflow")[construct]
    return yaml.safe_load(workflow["source_contents"].replace("$${", "${"))


@dataclass
class World:
    team: Team
    project: str
    region: str
    dataset: str
    stack: dict
    clock: fakes.Clock
    bigquery: fakes.FakeBigQuery
    monitoring: fakes.FakeMonitoring

    @classmethod
    def of(cls, stacks: dict, config: Any, team: str, env: str = "prod", now: float = at("2026-03-11")) -> World:
        t = config.team(team)
        project = t.environments[env].project_id
        region = config.platform.region
        dataset = names.metadata_dataset_id(team)
        specs = [*metadata_tables.team_table_specs(None), metadata_tables.feature_baseline()]
        for m in t.models:
            if m.pattern == "batch":
                specs += [metadata_tables.batch_input(m), metadata_tables.batch_output(m)]
        clock = fakes.Clock(now)
        bigquery = fakes.FakeBigQuery(clock, project, region, {dataset: specs})
        return cls(
            t,
            project,
            region,
            dataset,
            stacks[f"team-{team}-{env}"],
            clock,
            bigquery,
            fakes.FakeMonitoring(clock, project),
        )

    def model(self, pattern: str) -> Model:
        return next(m for m in self.team.models if m.pattern == pattern)

    def add_request_log(self, model: Model, rows: list[dict[str, Any]]) -> None:
        """Vertex creates `request_log_<model>` on the endpoint's first logged request (it must not pre-exist)."""
        self.bigquery.create_table(self.dataset, names.request_log_table(model.name), VERTEX_REQUEST_LOG)
        self.bigquery.insert(self.dataset, names.request_log_table(model.name), rows)

    def quality(self) -> dict[str, Any]:
        return source(self.stack, "model-quality/workflow")

    def batch(self, model: Model) -> dict[str, Any]:
        return source(self.stack, f"{model.name}/workflow")

    def execute(
        self,
        definition: dict[str, Any],
        argument: Any = None,
        *,
        model: Callable | None = None,
        script: fakes.JobScript | None = None,
    ) -> tuple[Any, fakes.Cloud]:
        """Run a definition; (result or the WorkflowError raised, the connector layer that recorded the calls)."""
        vertex = fakes.FakeVertex(self.clock, self.bigquery, model, script or fakes.JobScript()) if model else None
        cloud = fakes.Cloud(self.clock, self.bigquery, vertex, self.monitoring)
        env = {
            "GOOGLE_CLOUD_PROJECT_ID": self.project,
            "GOOGLE_CLOUD_LOCATION": self.region,
            "VERTEX_KMS_KEY": f"projects/{self.project}/locations/{self.region}/keyRings/k/cryptoKeys/vertex",
        }
        try:
            return fakes.run(definition, cloud, argument or {}, env), cloud
        except fakes.WorkflowError as e:
            return e, cloud

    def queries(self) -> list[str]:
        return [q.sql for q in self.bigquery.queries]
