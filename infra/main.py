#!/usr/bin/env python
"""The cdktn app for this platform instance; `cdktn synth|deploy` runs it (see cdktf.json).

`make synth` / `modelops synth` build the same app in-process with a summary table.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.entry import synth_for_cdktn  # noqa: E402

if __name__ == "__main__":
    sys.exit(synth_for_cdktn(Path(__file__).resolve().parent))
