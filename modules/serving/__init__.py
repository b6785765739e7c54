"""Serving patterns: one construct per pattern, registered under its spec's name (config/patterns.py).

``PATTERNS`` maps the YAML `pattern` to the construct (a ``ServingPattern``); the stack builds each
model with it and derives keys, dataset grants, alerts and dashboard tiles from it. To add a
pattern see config/patterns.py and the README, "Add a serving pattern".
"""

from __future__ import annotations

from typing import Any

from config import patterns as specs
from config.model import Model, Team
from modules.monitoring import dashboards
from modules.serving.batch import BatchPrediction
from modules.serving.context import ModelContext
from modules.serving.online import OnlineEndpoint
from modules.serving.online_gke import OnlineGkeDeployment
from modules.serving.pattern import ServingPattern
from modules.serving.streaming import StreamingPipeline

PATTERNS: dict[str, type[ServingPattern]] = {
    c.spec.name: c for c in (OnlineEndpoint, BatchPrediction, StreamingPipeline)
}

# A pattern's serving runtime other than its default (`serving.runtime`, config/patterns.py RUNTIMES).
RUNTIMES: dict[str, type[ServingPattern]] = {"gke": OnlineGkeDeployment}


def construct_for(model: Model) -> type[ServingPattern]:
    """The construct that builds ``model``: its runtime's (an online model on GKE) or its pattern's."""
    spec = specs.spec_of(model)
    runtime = RUNTIMES.get(model.serving.runtime)
    return runtime if runtime is not None and runtime.spec is spec else PATTERNS[model.pattern]


def register(construct: type[ServingPattern]) -> type[ServingPattern]:
    """Register a pattern construct and its spec (both under ``construct.spec.name``)."""
    specs.register(construct.spec)
    if PATTERNS.get(construct.spec.name, construct) is not construct:
        raise ValueError(f"serving pattern {construct.spec.name!r} already has a construct")
    PATTERNS[construct.spec.name] = construct
    return construct


def unregister(name: str) -> None:
    """Remove a pattern added at run time (tests register toy patterns)."""
    PATTERNS.pop(name, None)
    specs.PATTERNS.pop(name, None)


def team_dashboard(team: Team, env: str) -> dict[str, Any]:
    """The team's Model Operations Center: each model's pattern tiles, then its quality tiles."""
    return dashboards.team_dashboard(
        team, env, lambda model: construct_for(model).dashboard_tiles(team.name, env, model)
    )


__all__ = [
    "PATTERNS",
    "BatchPrediction",
    "ModelContext",
    "OnlineEndpoint",
    "OnlineGkeDeployment",
    "ServingPattern",
    "StreamingPipeline",
    "construct_for",
    "register",
    "team_dashboard",
    "unregister",
]
