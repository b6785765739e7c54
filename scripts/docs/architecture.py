"""docs/architecture.md: written by hand except the resource counts per example stack (from the reviewed
inventories in tests/inventories/, which `modelops docs` regenerates first)."""

from __future__ import annotations

from pathlib import Path

import yaml


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(r) + " |" for r in rows]


def inventory_section(inventories: Path) -> str:
    """Resource counts per type of every example stack, from the reviewed inventories."""
    docs = {p.stem: yaml.safe_load(p.read_text()) for p in sorted(inventories.glob("*.yaml"))}
    kinds = {
        "platform": [n for n in docs if n.startswith("platform-")],
        "team": [n for n in docs if n.startswith("team-")],
    }
    lines: list[str] = []
    for kind, stack_names in kinds.items():
        if not stack_names:
            continue
        types = sorted({t for n in stack_names for t in docs[n]["resources"]})
        lines += [f"**{kind} stacks**", ""]
        lines += _table(
            ("resource type", *stack_names),
            [(f"`{t}`", *(str(docs[n]["resources"].get(t, 0)) for n in stack_names)) for t in types],
        )
        lines.append(
            "| **total** | " + " | ".join(f"**{sum(docs[n]['resources'].values())}**" for n in stack_names) + " |"
        )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def expected(repo: Path) -> dict[Path, str]:
    from scripts.docs.blocks import fill

    doc = repo / "docs" / "architecture.md"
    blocks = {"inventory": inventory_section(repo / "tests" / "inventories")}
    return {doc: fill(doc.read_text(), blocks, document="docs/architecture.md")}
