"""Rewrite tests/inventories/<stack>.yaml from a fresh synth of the fixture organisation (tests/fixtures/org),
and every other generated doc from infra/.

    PYTHONPATH=$PWD .venv/bin/python -m tests.inventories.regenerate      # the same as `modelops docs`

Review the diff: every changed count is a resource that will be created or destroyed. The generator is
scripts/docs/inventories.py; this module keeps the names tests/test_inventories.py reads.
"""

from __future__ import annotations

import sys

from scripts.docs.inventories import COMMAND, HEADER, HERE, inventory, load, render

__all__ = ["COMMAND", "HEADER", "HERE", "inventory", "load", "main", "render"]


def main() -> int:
    from scripts.cli import main as modelops

    sys.argv = ["modelops", "docs"]
    modelops()
    return 0


if __name__ == "__main__":
    sys.exit(main())
