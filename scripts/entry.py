"""Entry point for `cdktn synth|deploy` (infra/main.py): same config checks, same app."""
from __future__ import annotations

from pathlib import Path

from scripts.console import EXIT_BAD_INPUT, print_config_errors
from stacks.errors import ConfigInvalid


def synth_for_cdktn(config_dir: Path) -> int:
    from stacks.loader import load_config

    try:
        config = load_config(config_dir)
    except ConfigInvalid as exc:
        print_config_errors(exc.errors)
        return EXIT_BAD_INPUT
    from stacks.app import build_app

    build_app(config).synth()  # outdir comes from the cdktn CLI (CDKTF_OUTDIR)
    return 0
