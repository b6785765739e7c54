"""checkov in-process: terraform_json framework, our checks directory, offline, one run over all stacks.

Offline: this calls the runner directly, so nothing of checkov's platform integration (guideline
and policy downloads, the behaviour ``--skip-download`` turns off on the CLI) is ever started.

checkov 3.3.30's terraform_json parser crashes on a scalar inside the ``terraform`` block, which
cdktn writes for ``required_version`` (checkov issue #7454, fix proposed in PR #7467), and then
silently scans nothing. ``_patch_terraform_block_parser`` applies the same fix in-process.

checkov reads JSON through PyYAML (for line numbers) with the pure-Python loader, about half of a
large check. ``_use_libyaml`` swaps in the same loader built on libyaml's C parser: same data,
same ``__startline__``/``__endline__`` marks, several times faster.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from policies.engine.builtin import DISABLED_BUILTIN_CHECKS


class CheckovError(RuntimeError):
    """checkov could not read a stack or load a rule: the gate must not pass silently."""


@dataclass(frozen=True)
class CheckovResult:
    check_id: str
    title: str
    file: Path
    address: str
    passed: bool
    details: tuple[str, ...]


@lru_cache(maxsize=1)
def _checkov() -> Any:
    """Import checkov once per process (about a second) and patch its parser."""
    for name in ("checkov", "root"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import checkov.terraform_json.parser as parser
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.checks.resource.registry import resource_registry
    from checkov.terraform_json.runner import TerraformJsonRunner

    _patch_terraform_block_parser(parser)
    _use_libyaml(parser)
    return TerraformJsonRunner, RunnerFilter, resource_registry


def _use_libyaml(parser: Any) -> None:
    """Give checkov's terraform_json parser a libyaml-backed line loader (when libyaml is installed)."""
    import yaml

    if not getattr(yaml, "__with_libyaml__", False) or getattr(parser.loader, "_modelops_libyaml", False):
        return
    from checkov.common.parsers.yaml.loader import SafeLineLoader
    from yaml.constructor import SafeConstructor
    from yaml.cyaml import CParser
    from yaml.resolver import Resolver

    class CSafeLineLoader(CParser, SafeConstructor, Resolver):
        bool_values = SafeLineLoader.bool_values

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            mapping = SafeConstructor.construct_mapping(self, node, deep=deep)
            mapping["__startline__"] = node.start_mark.line + 1
            mapping["__endline__"] = node.end_mark.line + 1
            return mapping

    class Loader:
        _modelops_libyaml = True

        @staticmethod
        def loads(content: str) -> list[dict[str, Any]]:
            return list(yaml.load_all(content, Loader=CSafeLineLoader)) or [{}]

    parser.loader = Loader


def _patch_terraform_block_parser(parser: Any) -> None:
    if getattr(parser.handle_block_type, "_modelops_patched", False):
        return
    original = parser.handle_block_type

    def handle_block_type(block_type: str, blocks: Any) -> list[dict[str, Any]]:
        if block_type != "terraform" or not isinstance(blocks, dict):
            return original(block_type, blocks)
        scalar = {
            k: v
            for k, v in blocks.items()
            if k not in parser.IGNORE_FILED_NAMES and (parser._is_simple_type(v) or parser._is_list_of_simple_types(v))
        }
        rest = {k: v for k, v in blocks.items() if k not in scalar}
        return original(block_type, rest) + [{k: parser._clean_simple_type_list([v])} for k, v in scalar.items()]

    handle_block_type._modelops_patched = True  # type: ignore[attr-defined]
    parser.handle_block_type = handle_block_type


# Stacks are independent (no references between cdk.tf.json files that checkov could follow), so
# large runs are split over worker processes; checkov's graph rendering is single-threaded Python.
STACKS_PER_WORKER = 8


def run_checkov(files: list[Path], checks_dir: Path, expected_ids: frozenset[str]) -> list[CheckovResult]:
    """Run every built-in and custom check over ``files``; raise CheckovError on unreadable input."""
    if not files:
        return []
    _checkov()  # import and patch before forking, so workers inherit both
    workers = min(os.cpu_count() or 1, len(files) // STACKS_PER_WORKER)
    if workers <= 1:
        return _run_checkov(files, checks_dir, expected_ids)
    chunks = [files[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        parts = list(pool.map(_run_checkov, chunks, [checks_dir] * workers, [expected_ids] * workers))
    return [result for part in parts for result in part]


def _run_checkov(files: list[Path], checks_dir: Path, expected_ids: frozenset[str]) -> list[CheckovResult]:
    runner_cls, filter_cls, registry = _checkov()
    runner_filter = filter_cls(
        framework=["terraform_json"], skip_checks=sorted(DISABLED_BUILTIN_CHECKS), show_progress_bar=False
    )
    report = runner_cls().run(
        root_folder=None,
        files=[str(f) for f in files],
        external_checks_dir=[str(checks_dir)],
        runner_filter=runner_filter,
    )
    missing = sorted(i for i in expected_ids if registry.get_check_by_id(i) is None)
    if missing:
        raise CheckovError(f"checkov did not load these rules from {checks_dir}: {', '.join(missing)}")
    if report.parsing_errors:
        raise CheckovError(f"checkov could not parse: {', '.join(sorted(report.parsing_errors))}")
    out = []
    for passed, records in ((True, report.passed_checks), (False, report.failed_checks)):
        for r in records:
            out.append(
                CheckovResult(
                    r.check_id, r.check_name, Path(r.file_abs_path), r.resource, passed, tuple(r.details or ())
                )
            )
    return out
