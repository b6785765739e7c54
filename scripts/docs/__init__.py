"""Every generated document, written or checked by one command: `modelops docs [--check]`.

Long prose lives in the markdown files themselves; what code knows (rule tables, grants, commands,
counts, catalogues) sits between `<!-- BEGIN GENERATED: name -->` / `<!-- END GENERATED: name -->`
markers and is rewritten from code (scripts/docs/blocks.py). Pages that are wholly generated (team
pages, runbooks, stack inventories) are rewritten whole, and a page whose subject is gone is removed.
The test suite fails when anything here is stale.

Everything describes the config being documented (infra/), except the stack inventories: they are the test
suite's reviewed expectations for the fixture organisation in tests/fixtures/org (synthesized separately), so
a company's own teams never make them stale.
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
# The test suite's fixture organisation, whose stacks the inventories record (absent outside a checkout).
FIXTURE_ORG = REPO / "tests" / "fixtures" / "org"
GENERATORS = ("inventories", "teams", "access", "architecture", "policies", "runbooks", "monitoring")


@dataclass
class DocsRun:
    config: Config
    repo: Path = REPO
    synth_dir: Path | None = None  # an existing synth output; synthesized once when needed and absent
    docs_dir: Path | None = None  # where the docs go (default: docs/ under repo)
    fixture_synth_dir: Path | None = None  # the fixture organisation's synth output; synthesized when absent
    _scratch: ExitStack = field(default_factory=ExitStack)

    @property
    def docs(self) -> Path:
        return self.docs_dir or self.repo / "docs"

    def _synthesize(self, config: Config) -> Path:
        from scripts.synth import synthesize

        scratch = Path(self._scratch.enter_context(tempfile.TemporaryDirectory(prefix="modelops-docs-")))
        return synthesize(config, scratch / "cdktf.out").out_dir

    def synthesized(self) -> Path:
        if self.synth_dir is None:
            self.synth_dir = self._synthesize(self.config)
        return self.synth_dir

    def stacks(self) -> dict[str, dict]:
        return _read(self.synthesized())

    def fixture_stacks(self) -> dict[str, dict] | None:
        """The fixture organisation's stacks, or None outside a checkout that has it."""
        if self.fixture_synth_dir is None:
            if not (self.repo / "tests" / "fixtures" / "org" / "platform.yaml").is_file():
                return None
            from config.loader import load_config

            self.fixture_synth_dir = self._synthesize(load_config(self.repo / "tests" / "fixtures" / "org"))
        return _read(self.fixture_synth_dir)


def _read(synth_dir: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in synth_dir.glob("stacks/*/cdk.tf.json")}


def _plan(name: str, run: DocsRun) -> tuple[dict[Path, str], list[Path]]:
    """(wanted content per file, files the generator owns) for one generator."""
    from scripts.docs import access, architecture, inventories, monitoring, policies, runbooks, teams

    if name == "inventories":
        fixture = run.fixture_stacks()
        if fixture is None:
            return {}, []
        directory = run.repo / "tests" / "inventories"
        return inventories.expected(fixture, directory), inventories.owned(directory)
    if name == "teams":
        out = run.docs / "teams"
        return teams.expected(out, teams.render_all(run.config, run.synthesized())), teams.owned(out)
    if name == "access":
        return access.expected(run.docs, run.config, run.stacks()), []
    if name == "architecture":
        return architecture.expected(run.docs, run.stacks()), []
    if name == "policies":
        return policies.expected(run.docs), []
    if name == "runbooks":
        return runbooks.expected(run.docs), runbooks.owned(run.docs)
    if name == "monitoring":
        return monitoring.expected(run.docs), []
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
