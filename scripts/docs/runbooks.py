"""docs/runbooks/: one page per alert kind and an index, rendered from modules/monitoring/runbooks.py."""

from __future__ import annotations

from pathlib import Path


def expected(docs: Path) -> dict[Path, str]:
    from config import names
    from modules.monitoring.runbooks import RUNBOOKS, render, render_index

    files = {docs / "runbooks" / Path(names.runbook_file(kind)).name: render(book) for kind, book in RUNBOOKS.items()}
    files[docs / "runbooks" / "README.md"] = render_index()
    return files


def owned(docs: Path) -> list[Path]:
    """Every page in docs/runbooks/ is generated: one whose alert kind is gone is removed."""
    return sorted((docs / "runbooks").glob("*.md"))
