"""Governance gates a card must pass before registration, checked against the team's YAML.

Each gate is a small function returning field-level errors located in the card file, so
`modelops validate-card` in a model repository's CI points at the line to fix. The image gate depends on the
environment: a version is registered in the team project of one environment, whose Vertex AI agent can pull
only from that environment's platform repository (lifecycle/platform_refs.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from config.errors import ConfigError
from config.model import CLASSIFICATION_ORDER, Config, Model, Team
from config.patterns import pattern
from config.yaml_source import YamlDocument, display_path, format_path
from lifecycle.card import ModelCard
from lifecycle.platform_refs import serving_image_prefix

DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# A repository path after the prefix, then a tag or digest (Artifact Registry Docker image names).
IMAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9._/-]*[@:]")


class Where:
    """Builds errors located at a card field."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc

    def __call__(self, path: tuple, message: str) -> ConfigError:
        return ConfigError(display_path(self.doc.file), self.doc.line(path), format_path(path), message)


@dataclass(frozen=True)
class Subject:
    """What a gate checks: the card, the team and model it names, and the environment's image repository."""

    card: ModelCard
    team: Team
    model: Model
    image_prefix: str
    where: Where


Gate = Callable[[Subject], Iterable[ConfigError]]


def check_card(card: ModelCard, doc: YamlDocument, config: Config, env: str) -> list[ConfigError]:
    """Every gate problem of a schema-valid card registered in ``env`` (empty when it may be registered)."""
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
        return [
            where(("model",), f"model '{card.model}' is not declared in {team.source.file}; expected one of: {known}")
        ]
    subject = Subject(card, team, model, serving_image_prefix(config, env), where)
    return [error for gate in GATES for error in gate(subject)]


def image_problems(image: str, prefix: str) -> list[str]:
    """Why ``image`` may not serve: it must be a digest in the platform's serving-image repository."""
    problems = []
    if not (image.startswith(prefix) and IMAGE_NAME.match(image[len(prefix) :])):
        problems.append(
            f"'{image}' is not in the platform's serving-image repository of this environment; expected "
            f"{prefix}<image>@sha256:<digest> (CI pushes there; the team project's Vertex AI agent can pull "
            "from nowhere else)"
        )
    if not DIGEST.search(image):
        problems.append(
            f"'{image}' is not pinned by digest; a tag can be moved, append @sha256:<64 hex digest> "
            "(e.g. from `gcloud artifacts docker images describe`)"
        )
    return problems


def metrics_meet_thresholds(s: Subject) -> Iterable[ConfigError]:
    card, team, model, where = s.card, s.team, s.model, s.where
    monitoring = model.monitoring
    if model.task == "classification" and monitoring.min_accuracy is not None:
        accuracy = card.metrics.get("accuracy")
        if accuracy is None:
            yield where(
                ("evaluation", "metrics"),
                f"missing metric 'accuracy': {team.name}/{model.name} is a classification model with "
                f"min_accuracy {monitoring.min_accuracy}",
            )
        elif accuracy < monitoring.min_accuracy:
            yield where(
                ("evaluation", "metrics", "accuracy"),
                f"accuracy {accuracy} is below the team's min_accuracy {monitoring.min_accuracy} ({model.source})",
            )
    if model.task == "regression" and monitoring.max_rmse is not None:
        rmse = card.metrics.get("rmse")
        if rmse is None:
            yield where(
                ("evaluation", "metrics"),
                f"missing metric 'rmse': {team.name}/{model.name} is a regression model with "
                f"max_rmse {monitoring.max_rmse}",
            )
        elif rmse > monitoring.max_rmse:
            yield where(
                ("evaluation", "metrics", "rmse"),
                f"rmse {rmse} is above the team's max_rmse {monitoring.max_rmse} ({model.source})",
            )


def image_in_platform_repository(s: Subject) -> Iterable[ConfigError]:
    for problem in image_problems(s.card.serving_image, s.image_prefix):
        yield s.where(("serving_image",), problem)


def classification_within_team(s: Subject) -> Iterable[ConfigError]:
    card, team = s.card, s.team
    if CLASSIFICATION_ORDER.index(card.data_classification) > CLASSIFICATION_ORDER.index(team.data_classification):
        yield s.where(
            ("data_classification",),
            f"'{card.data_classification}' is above team {team.name}'s data_classification "
            f"'{team.data_classification}' ({team.source.file}); the team's infrastructure is not approved for it",
        )


def personal_data_declared_and_approved(s: Subject) -> Iterable[ConfigError]:
    card, team, model = s.card, s.team, s.model
    pii = [f.name for f in model.monitoring.features if f.pii]
    if pii and not card.personal_data:
        yield s.where(
            ("personal_data", "used"),
            f"must be true: {model.source} marks feature(s) {', '.join(pii)} as personal data (pii: true)",
        )
    if (card.personal_data or pii) and team.business_owner.lower() not in card.approved_by("business_owner"):
        yield s.where(
            ("approvals",),
            f"a model that uses personal data needs an approval with role business_owner by the team's "
            f"business owner {team.business_owner}",
        )


def skew_baseline_is_fixed(s: Subject) -> Iterable[ConfigError]:
    """A model on an endpoint with a target field gets skew monitoring; its baseline must be a fixed state."""
    card = s.card
    if pattern(s.model.pattern).lifecycle.endpoint and card.target_field and card.baseline is None:
        explicit = "baseline" in card.raw.get("training", {})
        yield s.where(
            ("training", "baseline") if explicit else ("training", "data", 0, "snapshot"),
            card.baseline_problem or "",
        )


GATES: tuple[Gate, ...] = (
    metrics_meet_thresholds,
    image_in_platform_repository,
    classification_within_team,
    personal_data_declared_and_approved,
    skew_baseline_is_fixed,
)
