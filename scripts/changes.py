"""Which stacks a change affects: `--changed-from REF` for `modelops check` and `modelops stacks`.

A team file -> that team's stacks. platform.yaml, code (config/, stacks/, modules/, policies/, scripts/, ...),
pinned tools or anything unknown -> every stack. Docs, tests, benchmarks and CI files -> none.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from config import names
from config.model import Config

NO_STACK_EFFECT_DIRS = ("docs/", "tests/", "bench/", ".github/", ".ci/")
NO_STACK_EFFECT_FILES = (".pre-commit-config.yaml", ".gitignore")


class GitError(Exception):
    """The ref or repository cannot be read: bad input."""


@dataclass(frozen=True)
class Affected:
    everything: bool
    teams: frozenset[str]
    reason: str

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.teams


def _git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from exc
    if done.returncode != 0:
        raise GitError(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout


def changed_files(ref: str, cwd: Path) -> tuple[Path, list[str]]:
    """(repository root, files changed since ``ref`` including uncommitted and untracked ones)."""
    root = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    files = _git(["diff", "--name-only", ref, "--"], cwd).splitlines()
    files += _git(["ls-files", "--others", "--exclude-standard"], cwd).splitlines()
    return root, sorted(set(f for f in files if f))


def classify(config: Config, files: list[str], repo_root: Path) -> Affected:
    try:
        config_rel = Path(config.root).resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        config_rel = None
    teams_prefix = f"{config_rel}/teams/" if config_rel not in (None, ".") else "teams/"
    known = {t.name for t in config.teams}
    teams: set[str] = set()
    for file in files:
        if (
            file.startswith(NO_STACK_EFFECT_DIRS)
            or file in NO_STACK_EFFECT_FILES
            or (file.endswith(".md") and not file.startswith(teams_prefix))
        ):
            continue
        if file.startswith(teams_prefix) and file.endswith((".yaml", ".yml")):
            stem = Path(file).stem
            if stem in known:
                teams.add(stem)
            continue  # a deleted team file removes stacks; nothing left to check
        return Affected(True, frozenset(known), f"{file} is shared by every stack")
    reason = f"team file(s) changed: {', '.join(sorted(teams))}" if teams else "no file that affects stacks changed"
    return Affected(False, frozenset(teams), reason)


def affected_since(config: Config, ref: str, cwd: Path | None = None) -> Affected:
    root, files = changed_files(ref, cwd or Path.cwd())
    return classify(config, files, root)


def affected_stacks(config: Config, affected: Affected) -> list[tuple[str, str, str | None]]:
    """(stack, env, team) to check or deploy: every stack, or only the changed teams' stacks."""
    from config.selection import planned_stacks

    planned = planned_stacks(config)
    if affected.everything:
        return planned
    return [p for p in planned if p[2] in affected.teams]


def team_stack_names(config: Config, teams: set[str]) -> set[str]:
    return {names.team_stack(t.name, env) for t in config.teams if t.name in teams for env in t.environments}


def stacks_at(ref: str, config: Config, cwd: Path | None = None) -> set[tuple[str, str]]:
    """(stack, env) the config at ``ref`` defined (its platform.yaml and team files, read from git)."""
    import io
    import tarfile
    import tempfile

    from config.errors import ConfigInvalid
    from config.loader import load_config
    from config.selection import planned_stacks

    root = Path(_git(["rev-parse", "--show-toplevel"], cwd or Path.cwd()).strip())
    relative = Path(config.root).resolve().relative_to(root.resolve()).as_posix()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, "--", relative], cwd=root, capture_output=True, timeout=60
    )
    if archive.returncode != 0:
        raise GitError(archive.stderr.decode(errors="replace").strip() or f"git archive {ref} failed")
    with tempfile.TemporaryDirectory(prefix="modelops-base-config-") as scratch:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(scratch, filter="data")
        try:
            base = load_config(Path(scratch) / relative)
        except ConfigInvalid as exc:
            raise GitError(f"the config at {ref} does not load ({len(exc.errors)} problem(s))") from exc
    return {(name, env) for name, env, _ in planned_stacks(base)}


def removed_stacks(config: Config, ref: str, cwd: Path | None = None) -> list[tuple[str, str]]:
    """(stack, env) ``ref`` defined that the current config no longer does: `cdktn deploy` cannot destroy them."""
    from config.selection import planned_stacks

    current = {(name, env) for name, env, _ in planned_stacks(config)}
    return sorted(stacks_at(ref, config, cwd) - current)
