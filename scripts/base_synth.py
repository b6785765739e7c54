"""Synthesize a base git revision for the replacement preview (`modelops check --changed-from REF`).

The revision is checked out into a temporary `git worktree` (the user's work tree is never touched) and
synthesized there by that revision's own code, with this interpreter and its packages:
``python -m scripts.cli synth --config-dir <wt>/<config dir> --out <out>`` with PYTHONPATH=<wt>, cwd=<wt>.
The worktree is removed afterwards, also on failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path


class BaseSynthError(Exception):
    """The base revision cannot be checked out or synthesized."""


def _git(args: list[str], cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise BaseSynthError(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout


def _exists(root: Path, ref: str, path: str) -> bool:
    path = path[2:] if path.startswith("./") else path
    return subprocess.run(["git", "cat-file", "-e", f"{ref}:{path}"], cwd=root, capture_output=True).returncode == 0


def synthesize_base(ref: str, config_dir: Path, out: Path, teams: set[str] | None = None) -> Path | None:
    """Synthesize ``ref``'s version of ``config_dir`` into ``out`` (only ``teams``' stacks and the platform
    stacks they need, when given); returns ``out``, or None when none of ``teams`` exists at ``ref`` (new
    teams: nothing to replace)."""
    config_dir = config_dir.resolve()
    root = Path(_git(["rev-parse", "--show-toplevel"], config_dir).strip())
    try:
        relative = config_dir.relative_to(root.resolve())
    except ValueError as exc:
        raise BaseSynthError(f"{config_dir} is not inside the git repository {root}") from exc
    selection: list[str] = []
    if teams is not None:
        existing = [t for t in sorted(teams) if _exists(root, ref, f"{relative.as_posix()}/teams/{t}.yaml")]
        if not existing:
            return None
        selection = [arg for t in existing for arg in ("--team", t)]
    with tempfile.TemporaryDirectory(prefix="modelops-base-") as scratch:
        worktree = Path(scratch) / "base"
        _git(["worktree", "add", "--detach", "--quiet", str(worktree), ref], root)
        try:
            env = {**os.environ, "PYTHONPATH": str(worktree)}
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "scripts.cli",
                    "synth",
                    "--config-dir",
                    str(worktree / relative),
                    "--out",
                    str(out),
                    *selection,
                ],
                cwd=worktree,
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
            if done.returncode != 0:
                tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
                raise BaseSynthError(f"synthesizing {ref} failed (exit {done.returncode}): {tail}")
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(worktree)], cwd=root, capture_output=True, text=True
            )
            subprocess.run(["git", "worktree", "prune"], cwd=root, capture_output=True, text=True)
    if not any(out.glob("stacks/*/cdk.tf.json")):
        raise BaseSynthError(f"synthesizing {ref} wrote no stacks/<stack>/cdk.tf.json into {out}")
    return out
