"""Governance gates a card must pass before registration, checked against the team's YAML.

Each gate is a small function returning field-level errors located in the card file, so
`modelops validate-card` in a model repository's CI points at the line to fix.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

from lifecycle.card import ModelCard
from stacks.config import CLASSIFICATION_ORDER, Config, Model, Team
from stacks.errors import ConfigError
from stacks.yaml_source import YamlDocument, display_path, format_path

DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
ARTIFACT_REGISTRY = re.compile(r"^[a-z0-9-]+-docker\.pkg\.dev/[a-z][a-z0-9-]{4,28}[a-z0-9]/[a-z0-9][a-z0-9._-]*/[^@:\s]+")

Gate = Callable[[ModelCard, Team, Model, "Where"], Iterable[ConfigError]]


class Where:
    """Builds errors located at a card field."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc

    def __call__(self, path: tuple, message: str) -> ConfigError:
        return ConfigError(display_path(self.doc.file), self.doc.line(path), format_path(path), message)


def check_card(card: ModelCard, doc: YamlDocument, config: Config) -> list[ConfigError]:
    """Every gate problem of a schema-valid card (empty when the card may be registered)."""
    where = Where(doc)
    try:
        team = config.team(card.team)
    except KeyError:
        known = ", ".join(t.name for t in config.teams)
        return [where(("team",), f"unknown team '{card.team}'; expected one of: {known}")]
    try:
        model = team.model(card.model)
    except KeyError:
        known = ", ".join(m.name for m in team.models)
        return [where(("model",), f"model '{card.model}' is not declared in {team.source.file}; "
                                  f"expected one of: {known}")]
    errors: list[ConfigError] = []
    for gate in GATES:
        errors += gate(card, team, model, where)
    return errors


def metrics_meet_thresholds(card: ModelCard, team: Team, model: Model, where: Where) -> Iterable[ConfigError]:
    monitoring = model.monitoring
    if model.task == "classification" and monitoring.min_accuracy is not None:
        accuracy = card.metrics.get("accuracy")
        if accuracy is None:
            yield where(("evaluation", "metrics"), f"missing metric 'accuracy': {team.name}/{model.name} is a "
                                                   f"classification model with min_accuracy {monitoring.min_accuracy}")
        elif accuracy < monitoring.min_accuracy:
            yield where(("evaluation", "metrics", "accuracy"),
                        f"accuracy {accuracy} is below the team's min_accuracy {monitoring.min_accuracy} "
                        f"({model.source})")
    if model.task == "regression" and monitoring.max_rmse is not None:
        rmse = card.metrics.get("rmse")
        if rmse is None:
            yield where(("evaluation", "metrics"), f"missing metric 'rmse': {team.name}/{model.name} is a "
                                                   f"regression model with max_rmse {monitoring.max_rmse}")
        elif rmse > monitoring.max_rmse:
            yield where(("evaluation", "metrics", "rmse"),
                        f"rmse {rmse} is above the team's max_rmse {monitoring.max_rmse} ({model.source})")


def image_pinned_in_artifact_registry(card: ModelCard, team: Team, model: Model, where: Where) -> Iterable[ConfigError]:
    image = card.serving_image
    if not ARTIFACT_REGISTRY.match(image):
        yield where(("serving_image",), f"'{image}' is not in Artifact Registry; expected "
                                        "<location>-docker.pkg.dev/<project>/<repository>/<image>@sha256:<digest>")
    if not DIGEST.search(image):
        yield where(("serving_image",), f"'{image}' is not pinned by digest; a tag can be moved, append "
                                        "@sha256:<64 hex digest> (e.g. from `gcloud artifacts docker images describe`)")


def classification_within_team(card: ModelCard, team: Team, model: Model, where: Where) -> Iterable[ConfigError]:
    if CLASSIFICATION_ORDER.index(card.data_classification) > CLASSIFICATION_ORDER.index(team.data_classification):
        yield where(("data_classification",),
                    f"'{card.data_classification}' is above team {team.name}'s data_classification "
                    f"'{team.data_classification}' ({team.source.file}); the team's infrastructure is not approved for it")


def personal_data_declared_and_approved(card: ModelCard, team: Team, model: Model, where: Where) -> Iterable[ConfigError]:
    pii = [f.name for f in model.monitoring.features if f.pii]
    if pii and not card.personal_data:
        yield where(("personal_data", "used"),
                    f"must be true: {model.source} marks feature(s) {', '.join(pii)} as personal data (pii: true)")
    if card.personal_data or pii:
        if team.business_owner.lower() not in card.approved_by("business_owner"):
            yield where(("approvals",), f"a model that uses personal data needs an approval with role "
                                        f"business_owner by the team's business owner {team.business_owner}")


def skew_baseline_is_fixed(card: ModelCard, team: Team, model: Model, where: Where) -> Iterable[ConfigError]:
    """An online model with a target field gets skew monitoring; its baseline must be a fixed state of the data."""
    if model.pattern == "online" and card.target_field and card.baseline is None:
        explicit = "baseline" in card.raw.get("training", {})
        yield where(("training", "baseline") if explicit else ("training", "data", 0, "snapshot"), card.baseline_problem)


GATES: tuple[Gate, ...] = (
    metrics_meet_thresholds,
    image_pinned_in_artifact_registry,
    classification_within_team,
    personal_data_declared_and_approved,
    skew_baseline_is_fixed,
)
