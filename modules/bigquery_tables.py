"""BigQuery tables with explicit schemas: CMEK, deletion protection, day partitions, clustering.

A table is declared as a ``TableSpec`` (pure data, importable without the provider by the jobs
that write and read it) and created by ``CmekDataset.add_table``. Columns marked ``pii`` get the
dataset's ``pii`` policy tag, so only fine-grained readers see their values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

Mode = Literal["NULLABLE", "REQUIRED", "REPEATED"]
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    mode: Mode = "NULLABLE"
    pii: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    partition_field: str
    columns: tuple[Column, ...]
    clustering: tuple[str, ...] = ("model",)
    # Partition expiration in days; None keeps partitions forever (audit records).
    expiration_days: int | None = None
    require_partition_filter: bool = True

    @property
    def pii_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.pii)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def schema_json(spec: TableSpec, pii_policy_tag: str | None) -> str:
    """The table's schema as BigQuery JSON; PII columns carry the policy tag when one is given."""
    fields = []
    for c in spec.columns:
        entry: dict[str, object] = {"name": c.name, "type": c.type, "mode": c.mode, "description": c.description}
        if c.pii:
            if pii_policy_tag is None:
                raise ValueError(
                    f"table {spec.name}: column {c.name} holds personal data but no pii policy tag was given"
                )
            entry["policyTags"] = {"names": [pii_policy_tag]}
        fields.append(entry)
    return json.dumps(fields)
