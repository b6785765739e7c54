"""The metric catalogue (catalogue.yaml) as typed, validated entries.

Every metric and monitored resource the platform queries, with the facts the gate checks: kind,
value type, unit, launch stage, labels, monitored resources, and where each fact was read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_FILE = Path(__file__).resolve().parent / "catalogue.yaml"

KINDS = ("GAUGE", "DELTA", "CUMULATIVE")
VALUE_TYPES = ("BOOL", "INT64", "DOUBLE", "STRING", "DISTRIBUTION", "MONEY")
# google.api.LaunchStage (google/api/launch_stage.proto in googleapis-common-protos 1.76.0)
LAUNCH_STAGES = ("UNIMPLEMENTED", "PRELAUNCH", "EARLY_ACCESS", "ALPHA", "BETA", "GA", "DEPRECATED")


class CatalogueError(ValueError):
    """catalogue.yaml is malformed: the message names the entry and field."""


@dataclass(frozen=True)
class Label:
    key: str
    description: str
    values: tuple[str, ...] | None = None  # only where Google enumerates them
    value_format_verified: bool = True


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str
    read_on: str
    list_generated: str | None = None
    read_via: str = ""


@dataclass(frozen=True)
class MonitoredResource:
    type: str
    display_name: str
    labels: Mapping[str, Label]
    source: Source
    verified: bool
    reason: str = ""


@dataclass(frozen=True)
class Metric:
    type: str
    display_name: str
    description: str
    kind: str
    value_type: str
    unit: str
    launch_stage: str
    resources: tuple[str, ...]
    labels: Mapping[str, Label]
    source: Source
    verified: bool
    reason: str = ""
    deprecation: str = ""
    replacement: str | None = None
    resource_accepted_verified: bool = True

    @property
    def deprecated(self) -> bool:
        return self.launch_stage == "DEPRECATED"

    @property
    def custom(self) -> bool:
        return self.type.startswith("custom.googleapis.com/")


@dataclass(frozen=True)
class Catalogue:
    metrics: Mapping[str, Metric]
    resources: Mapping[str, MonitoredResource]
    sources: Mapping[str, Source] = field(default_factory=dict)

    def metric(self, metric_type: str) -> Metric | None:
        return self.metrics.get(metric_type)

    def resource(self, resource_type: str) -> MonitoredResource | None:
        return self.resources.get(resource_type)


def _labels(raw: Any, where: str) -> dict[str, Label]:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}.labels: expected a mapping of label key to description")
    out = {}
    for key, spec in raw.items():
        if isinstance(spec, str):
            out[key] = Label(key, spec)
        elif isinstance(spec, dict) and isinstance(spec.get("description"), str):
            values = spec.get("values")
            if values is not None and not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
                raise CatalogueError(f"{where}.labels.{key}.values: expected a list of strings")
            out[key] = Label(
                key,
                spec["description"],
                tuple(values) if values is not None else None,
                bool(spec.get("value_format_verified", True)),
            )
        else:
            raise CatalogueError(f"{where}.labels.{key}: expected a description or {{description, values}}")
    return out


def _require(entry: dict, key: str, where: str, allowed: tuple[str, ...] | None = None) -> Any:
    value = entry.get(key)
    if value is None or value == "":
        raise CatalogueError(f"{where}.{key}: required")
    if allowed is not None and value not in allowed:
        raise CatalogueError(f"{where}.{key}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _verified(entry: dict, where: str) -> tuple[bool, str]:
    verified = entry.get("verified")
    if not isinstance(verified, bool):
        raise CatalogueError(f"{where}.verified: required (true, or false with a reason)")
    reason = entry.get("reason", "")
    if not verified and not reason:
        raise CatalogueError(f"{where}.reason: required when verified is false")
    return verified, reason


def parse(doc: Any) -> Catalogue:
    """Validate the YAML document and build the catalogue; every problem names its entry."""
    if not isinstance(doc, dict):
        raise CatalogueError("catalogue: expected a mapping with sources, resources and metrics")
    sources = {}
    for key, raw in (doc.get("sources") or {}).items():
        where = f"sources.{key}"
        sources[key] = Source(
            key,
            _require(raw, "title", where),
            _require(raw, "url", where),
            str(_require(raw, "read_on", where)),
            raw.get("list_generated"),
            raw.get("read_via", ""),
        )

    def source(entry: dict, where: str) -> Source:
        key = _require(entry, "source", where)
        if key not in sources:
            raise CatalogueError(f"{where}.source: {key!r} is not a key of `sources`")
        return sources[key]

    resources = {}
    for rtype, raw in (doc.get("resources") or {}).items():
        where = f"resources.{rtype}"
        verified, reason = _verified(raw, where)
        resources[rtype] = MonitoredResource(
            rtype, raw.get("display_name", ""), _labels(raw.get("labels"), where), source(raw, where), verified, reason
        )
    metrics = {}
    for mtype, raw in (doc.get("metrics") or {}).items():
        where = f"metrics.{mtype}"
        verified, reason = _verified(raw, where)
        kinds = tuple(raw.get("resources") or ())
        for rtype in kinds:
            if rtype not in resources:
                raise CatalogueError(f"{where}.resources: {rtype!r} is not catalogued under `resources`")
        if not kinds:
            raise CatalogueError(f"{where}.resources: at least one monitored resource type is required")
        stage = _require(raw, "launch_stage", where, LAUNCH_STAGES)
        if stage == "DEPRECATED" and not raw.get("deprecation"):
            raise CatalogueError(f"{where}.deprecation: required for a DEPRECATED metric (Google's note)")
        metrics[mtype] = Metric(
            type=mtype,
            display_name=raw.get("display_name", ""),
            description=raw.get("description", ""),
            kind=_require(raw, "kind", where, KINDS),
            value_type=_require(raw, "value_type", where, VALUE_TYPES),
            unit=str(_require(raw, "unit", where)),
            launch_stage=stage,
            resources=kinds,
            labels=_labels(raw.get("labels", {}), where),
            source=source(raw, where),
            verified=verified,
            reason=reason,
            deprecation=raw.get("deprecation", ""),
            replacement=raw.get("replacement"),
            resource_accepted_verified=bool(raw.get("resource_accepted_verified", True)),
        )
    for mtype, metric in metrics.items():
        if metric.replacement and metric.replacement not in metrics:
            raise CatalogueError(f"metrics.{mtype}.replacement: {metric.replacement!r} is not catalogued")
    return Catalogue(metrics, resources, sources)


def load(path: Path = CATALOGUE_FILE) -> Catalogue:
    try:
        doc = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: {exc}") from exc
    try:
        return parse(doc)
    except CatalogueError as exc:
        raise CatalogueError(f"{path}: {exc}") from exc


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The repository's catalogue, read once per process."""
    return load()
