"""Which stacks a change affects: `--changed-from REF` for `modelops check` and `modelops stacks`.

Exactly the stacks whose synthesized JSON can change, decided by what each stack reads
(config.selection.stack_inputs), not by file paths alone:

- a change to the code that synthesizes (SYNTH_CODE: the packages the app imports, the pinned tools, the config
  directory's main.py and cdktf.json) -> every stack;
- a change to platform.yaml or a team file -> the stacks whose inputs differ between REF's config and this one:
  a new team's stacks and every platform stack of its environments (its project joins the metrics scope, the
  platform stack grants it access and CI roles), an edited team's stacks (and platform stacks only when the
  edit touches what they read of the team), a removed team's platform stacks (its stacks are gone: see
  `modelops stacks --removed-since`);
- anything else (docs, tests, CI files, untracked files outside the config and the code) -> none.

`modelops check` also re-checks every stack when the gate's own code changes (GATE_CODE: rules, schemas, CLI).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from config import names
from config.model import Config

# What the synthesized JSON is made by, relative to the repository root (tests/test_changed_from.py checks that
# every module a synthesis imports from this repository is listed).
SYNTH_CODE = (
    "config/",
    "metric_catalogue/",
    "modules/",
    "stacks/",
    "scripts/synth.py",
    "pyproject.toml",
    "requirements.lock",
    "package.json",
    "package-lock.json",
)
# What the gate's verdict is also made by: `modelops check --changed-from` re-checks every stack when these change.
GATE_CODE = (*SYNTH_CODE, "policies/", "scripts/")
# Files in the config directory that are code (the cdktn app and its settings), not config.
CONFIG_DIR_CODE = ("main.py", "cdktf.json")


class GitError(Exception):
    """The ref or repository cannot be read: bad input."""


@dataclass(frozen=True)
class Affected:
    everything: bool
    stacks: frozenset[str]
    reason: str

    @property
    def nothing(self) -> bool:
        return not self.stacks

    @property
    def teams(self) -> frozenset[str]:
        """Teams with an affected stack (stack names are `team-<team>-<env>`)."""
        return frozenset(t for s in self.stacks if (t := _team_of(s)) is not None)

    @property
    def platform(self) -> bool:
        return any(s.startswith("platform-") for s in self.stacks)


def _team_of(stack: str) -> str | None:
    return stack[len("team-") :].rsplit("-", 1)[0] if stack.startswith("team-") else None


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
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    except GitError:
        raise GitError(
            f"unknown git ref '{ref}' (no such commit, branch or tag here; in CI, fetch it first: "
            "actions/checkout with fetch-depth: 0)"
        ) from None
    files = _git(["diff", "--name-only", ref, "--"], root).splitlines()
    files += _git(["ls-files", "--others", "--exclude-standard"], root).splitlines()
    return root, sorted(set(f for f in files if f))


def _config_prefix(config: Config, repo_root: Path) -> str | None:
    """The config directory relative to the repository ("" at the root), None when it is outside."""
    try:
        rel = Path(config.root).resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return None
    return "" if rel == "." else rel + "/"


def is_code(file: str, config_prefix: str | None, code: tuple[str, ...] = SYNTH_CODE) -> bool:
    if file.startswith(code) or file in code:
        return True
    return config_prefix is not None and file in {config_prefix + name for name in CONFIG_DIR_CODE}


def is_config(file: str, config_prefix: str | None) -> bool:
    if config_prefix is None:
        return False
    if file == config_prefix + "platform.yaml":
        return True
    return file.startswith(config_prefix + "teams/") and file.endswith((".yaml", ".yml"))


def classify(
    config: Config, files: list[str], repo_root: Path, base: Config | None = None, code: tuple[str, ...] = SYNTH_CODE
) -> Affected:
    """The stacks ``files`` affect; ``base`` is the config at the base revision (needed for config changes);
    ``code`` the paths whose change affects every stack (GATE_CODE for the gate: its rules too)."""
    prefix = _config_prefix(config, repo_root)
    every = frozenset(names.platform_stack(e) for e in config.platform.environments) | frozenset(
        names.team_stack(t.name, e) for t in config.teams for e in t.environments
    )
    changed_code = [f for f in files if is_code(f, prefix, code)]
    if changed_code:
        return Affected(True, every, f"{changed_code[0]} is code every stack is synthesized or checked by")
    if not any(is_config(f, prefix) for f in files):
        return Affected(False, frozenset(), "no file a stack is synthesized from changed")
    if base is None:
        return Affected(True, every, "the base revision's config could not be read; every stack")
    from config.selection import stack_inputs

    before, after = stack_inputs(base), stack_inputs(config)
    changed = frozenset(s for s, inputs in after.items() if before.get(s) != inputs)
    reason = f"config changed: {', '.join(sorted(changed))}" if changed else "the config change affects no stack"
    return Affected(changed == every, changed, reason)


def config_at(ref: str, config: Config, cwd: Path | None = None) -> Config:
    """The config directory as it was at ``ref`` (its platform.yaml and team files, read from git)."""
    from config.errors import ConfigInvalid
    from config.loader import load_config

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
            return load_config(Path(scratch) / relative)
        except ConfigInvalid as exc:
            raise GitError(f"the config at {ref} does not load ({len(exc.errors)} problem(s))") from exc


def affected_since(config: Config, ref: str, cwd: Path | None = None, code: tuple[str, ...] = SYNTH_CODE) -> Affected:
    root, files = changed_files(ref, cwd or Path.cwd())
    base = None
    if any(is_config(f, _config_prefix(config, root)) for f in files):
        try:
            base = config_at(ref, config, root)
        except GitError:
            base = None  # e.g. the config directory did not exist at ref: every stack
    return classify(config, files, root, base, code)


def affected_stacks(config: Config, affected: Affected) -> list[tuple[str, str, str | None]]:
    """(stack, env, team) to check or deploy, in build order."""
    from config.selection import planned_stacks

    return [p for p in planned_stacks(config) if p[0] in affected.stacks]


def stacks_at(ref: str, config: Config, cwd: Path | None = None) -> set[tuple[str, str]]:
    """(stack, env) the config at ``ref`` defined."""
    from config.selection import planned_stacks

    return {(name, env) for name, env, _ in planned_stacks(config_at(ref, config, cwd))}


def removed_stacks(config: Config, ref: str, cwd: Path | None = None) -> list[tuple[str, str]]:
    """(stack, env) ``ref`` defined that the current config no longer does: `cdktn deploy` cannot destroy them."""
    from config.selection import planned_stacks

    current = {(name, env) for name, env, _ in planned_stacks(config)}
    return sorted(stacks_at(ref, config, cwd) - current)


def team_stack_names(config: Config, teams: set[str]) -> set[str]:
    return {names.team_stack(t.name, env) for t in config.teams if t.name in teams for env in t.environments}


def teams_to_synthesize(stacks: set[str] | None) -> set[str] | None:
    """The teams to construct for checking ``stacks`` (None: all); a platform stack reads every team."""
    if stacks is None or any(s.startswith("platform-") for s in stacks):
        return None
    return {t for s in stacks if (t := _team_of(s)) is not None}
