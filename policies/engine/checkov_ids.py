"""The checkov check ids a suppression may name: the pinned checkov's Google Cloud checks (resource checks and
graph checks), listed in data/checkov-gcp-ids.json so `validate` judges suppressions without importing checkov
and agrees with `check`. Regenerate after a checkov upgrade: `python -m policies.engine.checkov_ids`
(tests/policies/test_checkov_ids.py compares the file with the installed checkov)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import metadata
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "checkov-gcp-ids.json"


@lru_cache(maxsize=1)
def known() -> frozenset[str]:
    return frozenset(json.loads(DATA_FILE.read_text())["ids"])


def from_installed_checkov() -> dict:
    """The ids as the installed checkov registers them (imports checkov: ~1-2 s)."""
    import checkov
    import checkov.terraform.checks.resource.gcp
    from checkov.terraform.checks.resource.registry import resource_registry

    ids = {c.id for checks in resource_registry.checks.values() for c in checks if "_GCP_" in c.id}
    graph_dir = Path(checkov.__file__).parent / "terraform" / "checks" / "graph_checks" / "gcp"
    ids |= {json.loads(p.read_text())["metadata"]["id"] for p in graph_dir.glob("*.json")}
    return {"checkov": metadata.version("checkov"), "ids": sorted(ids, key=_order)}


def _order(check_id: str) -> tuple[str, int]:
    prefix, _, number = check_id.rpartition("_")
    return prefix, int(number) if number.isdigit() else 0


if __name__ == "__main__":
    DATA_FILE.write_text(json.dumps(from_installed_checkov(), indent=1) + "\n")
    print(f"wrote {DATA_FILE}")
