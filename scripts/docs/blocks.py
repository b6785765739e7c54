"""Generated blocks inside hand-written markdown: prose stays in the .md file, facts come from code.

A block is delimited by `<!-- BEGIN GENERATED: <name> -->` and `<!-- END GENERATED: <name> -->`. When
the BEGIN marker ends its line the block holds whole lines (tables, lists); otherwise it is inline (a
number or a list of names inside a sentence). ``fill`` replaces the content of every block and refuses
a document whose markers do not match the blocks the generator provides, so a renamed or deleted
marker fails instead of going stale silently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

BLOCK = re.compile(
    r"<!-- BEGIN GENERATED: (?P<name>[a-z0-9-]+) -->(?P<body>.*?)<!-- END GENERATED: (?P=name) -->", re.S
)


class MarkersMissing(ValueError):
    """The document's generated-block markers do not match what its generator provides."""


def names(text: str) -> list[str]:
    return [m.group("name") for m in BLOCK.finditer(text)]


def fill(text: str, blocks: Mapping[str, str], *, document: str) -> str:
    """``text`` with each block's content replaced by ``blocks[name]``; every block filled exactly once."""
    found = names(text)
    missing, unknown = sorted(set(blocks) - set(found)), sorted(set(found) - set(blocks))
    duplicated = sorted({n for n in found if found.count(n) > 1})
    if missing or unknown or duplicated:
        raise MarkersMissing(
            f"{document}: generated-block markers do not match: missing {missing}, unknown {unknown}, "
            f"repeated {duplicated} (markers: <!-- BEGIN GENERATED: name --> ... "
            "<!-- END GENERATED: name -->)"
        )

    def replace(match: re.Match) -> str:
        name, content = match.group("name"), blocks[match.group("name")]
        inline = not match.group("body").startswith("\n")
        body = content.strip() if inline else "\n" + content.strip("\n") + "\n"
        return f"<!-- BEGIN GENERATED: {name} -->{body}<!-- END GENERATED: {name} -->"

    return BLOCK.sub(replace, text)
