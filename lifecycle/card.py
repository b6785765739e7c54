"""The model card: what a model version is made of, loaded from YAML or JSON with line numbers.

Parsing and schema validation reuse the config machinery (stacks.yaml_source, stacks.schema),
so a bad card reports `file:line: field: message` exactly like a bad team file.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from stacks.errors import ConfigInvalid
from stacks.schema import validate
from stacks.yaml_source import YamlDocument, load

SCHEMA = "model-card.schema.json"


@dataclass(frozen=True)
class DataSource:
    uri: str
    snapshot: str


@dataclass(frozen=True)
class Code:
    repo: str
    commit: str


@dataclass(frozen=True)
class ModelCard:
    """Typed view of a schema-valid card; ``raw`` is the card as written (it goes into audit events)."""

    team: str
    model: str
    version: str
    artifact_uri: str
    serving_image: str
    training_data: tuple[DataSource, ...]
    training_code: Code
    lock_file: str
    lock_sha256: str
    frameworks: Mapping[str, str]
    target_field: str | None
    baseline: str
    prediction_code: Code
    evaluation_dataset: DataSource
    metrics: Mapping[str, float]
    intended_use: str
    data_classification: str
    personal_data: bool
    personal_data_categories: tuple[str, ...]
    approvals: tuple[Mapping[str, str], ...]
    raw: Mapping[str, Any]

    def approved_by(self, role: str) -> set[str]:
        return {a["by"].lower() for a in self.approvals if a["role"] == role}


def load_card(path: Path) -> tuple[ModelCard, YamlDocument]:
    """Parse and schema-check ``path``; raises ConfigInvalid with every problem."""
    doc, errors = load(Path(path))
    if doc is None:
        raise ConfigInvalid(errors)
    doc.data = _plain(doc.data)
    errors = validate(doc, SCHEMA)
    if errors:
        raise ConfigInvalid(errors)
    return from_dict(doc.data), doc


def _plain(value: Any) -> Any:
    """YAML turns unquoted dates and timestamps into objects; cards keep them as ISO strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _source(raw: Mapping[str, Any]) -> DataSource:
    return DataSource(uri=raw["uri"], snapshot=str(raw["snapshot"]))


def from_dict(d: Mapping[str, Any]) -> ModelCard:
    training = d["training"]
    deps = training["dependencies"]
    data = tuple(_source(s) for s in training["data"])
    personal = d["personal_data"]
    return ModelCard(
        team=d["team"],
        model=d["model"],
        version=str(d["version"]),
        artifact_uri=d["artifact_uri"],
        serving_image=d["serving_image"],
        training_data=data,
        training_code=Code(training["code"]["repo"], training["code"]["commit"]),
        lock_file=deps["lock_file"],
        lock_sha256=deps["lock_sha256"],
        frameworks={k: str(v) for k, v in deps["frameworks"].items()},
        target_field=training.get("target_field"),
        baseline=training.get("baseline", data[0].uri),
        prediction_code=Code(d["prediction_code"]["repo"], d["prediction_code"]["commit"]),
        evaluation_dataset=_source(d["evaluation"]["dataset"]),
        metrics={k: float(v) for k, v in d["evaluation"]["metrics"].items()},
        intended_use=d["intended_use"],
        data_classification=d["data_classification"],
        personal_data=bool(personal["used"]),
        personal_data_categories=tuple(personal.get("categories", ())),
        approvals=tuple({k: str(v) for k, v in a.items()} for a in d.get("approvals", ())),
        raw=d,
    )
