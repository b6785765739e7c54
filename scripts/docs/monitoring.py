"""docs/monitoring.md: written by hand except the column contract (the table specs of modules/metadata_tables.py)
and the metric catalogue (metric_catalogue/catalogue.yaml)."""

from __future__ import annotations

from pathlib import Path


def expected(docs: Path) -> dict[Path, str]:
    from metric_catalogue.markdown import render as catalogue_markdown
    from modules.quality.tables import contract_markdown
    from scripts.docs.blocks import fill

    doc = docs / "monitoring.md"
    blocks = {"column-contract": contract_markdown(), "metric-catalogue": catalogue_markdown()}
    return {doc: fill(doc.read_text(), blocks, document="docs/monitoring.md")}
