"""docs/runbooks/: one page per alert kind and an index, rendered from modules/monitoring/runbooks.py."""

from __future__ import annotations

from pathlib import Path


def expected(repo: Path) -> dict[Path, str]:
    from config import names
    from modules.monitoring.runbooks import RUNBOOKS, render, render_index

    files = {repo / names.runbook_file(kind): render(book) for kind, book in RUNBOOKS.items()}
    files[repo / "docs" / "runbooks" / "README.md"] = render_index()
    return files


def owned(repo: Path) -> list[Path]:
    """Every page in docs/runbooks/ is generated: one whose alert kind is gone is removed."""
    return sorted((repo / "docs" / "runbooks").glob("*.md"))
