"""docs/architecture.md: written by hand except the resource counts per stack of the documented config."""

from __future__ import annotations

from pathlib import Path

from scripts.docs.inventories import inventory


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(r) + " |" for r in rows]


def inventory_section(stacks: dict[str, dict]) -> str:
    """Resource counts per type of every stack the config synthesizes."""
    docs = {name: inventory(stack) for name, stack in sorted(stacks.items())}
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


def expected(docs: Path, stacks: dict[str, dict]) -> dict[Path, str]:
    from scripts.docs.blocks import fill

    doc = docs / "architecture.md"
    blocks = {"inventory": inventory_section(stacks)}
    return {doc: fill(doc.read_text(), blocks, document="docs/architecture.md")}
