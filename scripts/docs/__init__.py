"""Every generated document, written or checked by one command: `modelops docs [--check]`.

Long prose lives in the markdown files themselves; what code knows (rule tables, grants, commands,
counts, catalogues) sits between `<!-- BEGIN GENERATED: name -->` / `<!-- END GENERATED: name -->`
markers and is rewritten from code (scripts/docs/blocks.py). Pages that are wholly generated (team
pages, runbooks, stack inventories) are rewritten whole, and a page whose subject is gone is removed.
The test suite fails when anything here is stale.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from config.model import Config

REPO = Path(__file__).resolve().parents[2]
# In this order: the architecture page counts what the inventories record.
GENERATORS = ("inventories", "teams", "access", "architecture", "policies", "runbooks", "monitoring")


@dataclass
class DocsRun:
    config: Config
    repo: Path = REPO
    synth_dir: Path | None = None  # an existing synth output; synthesized once when needed and absent
    teams_dir: Path | None = None  # where the team pages go (default docs/teams)
    _scratch: ExitStack = field(default_factory=ExitStack)

    def synthesized(self) -> Path:
        if self.synth_dir is None:
            from scripts.synth import synthesize

            scratch = Path(self._scratch.enter_context(tempfile.TemporaryDirectory(prefix="modelops-docs-")))
            self.synth_dir = synthesize(self.config, scratch / "cdktf.out").out_dir
        return self.synth_dir

    def stacks(self) -> dict[str, dict]:
        return {p.parent.name: json.loads(p.read_text()) for p in self.synthesized().glob("stacks/*/cdk.tf.json")}


def _plan(name: str, run: DocsRun) -> tuple[dict[Path, str], list[Path]]:
    """(wanted content per file, files the generator owns) for one generator."""
    from scripts.docs import access, architecture, inventories, monitoring, policies, runbooks, teams

    if name == "inventories":
        return inventories.expected(run.stacks()), inventories.owned()
    if name == "teams":
        out = run.teams_dir or run.repo / "docs" / "teams"
        return teams.expected(out, teams.render_all(run.config, run.synthesized())), teams.owned(out)
    if name == "access":
        return access.expected(run.repo, run.config, run.stacks()), []
    if name == "architecture":
        return architecture.expected(run.repo), []
    if name == "policies":
        return policies.expected(run.repo), []
    if name == "runbooks":
        return runbooks.expected(run.repo), runbooks.owned(run.repo)
    if name == "monitoring":
        return monitoring.expected(run.repo), []
    raise ValueError(f"unknown generator {name!r}; expected one of {', '.join(GENERATORS)}")


def generate(
    run: DocsRun, *, check: bool, only: tuple[str, ...] = (), progress: Callable[[str], None] = lambda name: None
) -> list[Path]:
    """Write (or with ``check`` only compare) every generated file; returns the files that were stale."""
    changed: list[Path] = []
    with run._scratch:
        for name in GENERATORS:
            if only and name not in only:
                continue
            progress(name)
            wanted, owned = _plan(name, run)
            stale = [p for p, text in wanted.items() if not p.is_file() or p.read_text() != text]
            orphans = [p for p in owned if p not in wanted]
            if not check:
                for path in stale:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(wanted[path])
                for path in orphans:
                    path.unlink()
            changed += stale + orphans
    return changed
