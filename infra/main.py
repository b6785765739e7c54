#!/usr/bin/env python
"""The cdktn app for this platform instance; `cdktn synth|deploy` runs it (see cdktf.json).

`make synth` / `modelops synth` build the same app in-process with a summary table.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    from stacks.node_runtime import prefer_venv_node

    prefer_venv_node()  # before anything imports the bindings: that starts jsii's Node
    from stacks.app import synth_for_cdktn

    sys.exit(synth_for_cdktn(HERE))
