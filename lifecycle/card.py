"""The model card: what a model version is made of, loaded from YAML or JSON with line numbers.

Parsing and schema validation reuse the config machinery (config.yaml_source, config.schema),
so a bad card reports `file:line: field: message` exactly like a bad team file.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.errors import ConfigInvalid
from config.schema import validate
from config.yaml_source import YamlDocument, load

SCHEMA = "model-card.schema.json"


@dataclass(frozen=True)
class DataSource:
    uri: str
    snapshot: str


@dataclass(frozen=True)
class Baseline:
    """The training data skew monitoring compares serving data with: a fixed state, never a live table.

    ``data_format`` is set for Cloud Storage only: TrainingDataset.data_format "is only applicable if
    the input is from Google Cloud Storage" and takes "tf-record", "csv" or "jsonl"
    (google/cloud/aiplatform/v1/model_monitoring.proto, TrainingDataset; aiplatform_v1/types/
    model_monitoring.py:83-94 in google-cloud-aiplatform 2.7.0).
    """

    uri: str
    data_format: str | None
    field: tuple  # the card field it came from, for error locations


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
    baseline: Baseline | None
    baseline_problem: str | None  # why no fixed baseline could be derived (None when ``baseline`` is set)
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
        **_baseline_fields(training.get("baseline"), data[0]),
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


# BigQuerySource.input_uri accepts only "bq://projectId.bqDatasetId.bqTableId" (aiplatform_v1/types/io.py:118-124),
# so a time-travel clause cannot be a baseline; GcsSource.uris take object paths (wildcards allowed), not
# generations. A snapshot table or a versioned path can.
_BQ_TABLE = re.compile(r"^bq://(?P<project>[^.]+)\.(?P<dataset>[A-Za-z0-9_]+)\.(?P<table>[A-Za-z0-9_$-]+)$")
_BARE_TABLE = re.compile(r"^[A-Za-z0-9_$-]+$")
_QUALIFIED_TABLE = re.compile(r"^(?:bq://)?[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]+\.[A-Za-z0-9_$-]+$")
_GCS_FORMATS = ((".csv", "csv"), (".jsonl", "jsonl"), (".tfrecord", "tf-record"), (".tfrecords", "tf-record"))


def gcs_data_format(uri: str) -> str | None:
    path = uri.rstrip("*").lower()
    for suffix, data_format in _GCS_FORMATS:
        if path.endswith(suffix):
            return data_format
    return None


def _baseline_fields(explicit: str | None, first: DataSource) -> dict[str, Any]:
    baseline, problem = resolve_baseline(explicit, first)
    return {"baseline": baseline, "baseline_problem": problem}


def resolve_baseline(explicit: str | None, first: DataSource) -> tuple[Baseline | None, str | None]:
    """``training.baseline`` as written, else the first data source's snapshot (not its live uri)."""
    field: tuple[str | int, ...]
    if explicit:
        uri, field = explicit, ("training", "baseline")
    else:
        field = ("training", "data", 0, "snapshot")
        snapshot = first.snapshot.strip()
        table = _BQ_TABLE.match(first.uri)
        if table and _BARE_TABLE.match(snapshot):
            uri = f"bq://{table['project']}.{table['dataset']}.{snapshot}"
        elif table and _QUALIFIED_TABLE.match(snapshot):
            uri = snapshot if snapshot.startswith("bq://") else f"bq://{snapshot}"
        elif first.uri.startswith("gs://") and snapshot.startswith("gs://"):
            uri = snapshot
        else:
            return None, (
                f"snapshot {first.snapshot!r} of {first.uri} cannot be a skew baseline: Vertex AI reads a "
                "BigQuery table (bq://project.dataset.table, no FOR SYSTEM_TIME AS OF) or Cloud Storage "
                "paths (no object generations); name a snapshot table or a versioned path in "
                "training.baseline"
            )
    if uri.startswith("gs://"):
        data_format = gcs_data_format(uri)
        if data_format is None:
            return None, (
                f"{uri}: the data format of a Cloud Storage baseline comes from its extension "
                "(.csv, .jsonl, .tfrecord); point training.baseline at the files"
            )
        return Baseline(uri, data_format, field), None
    return Baseline(uri, None, field), None
