"""checkov in-process: terraform_json framework, our checks directory, offline, one run over all stacks.

Offline: this calls the runner directly, so nothing of checkov's platform integration (guideline
and policy downloads, the behaviour ``--skip-download`` turns off on the CLI) is ever started.

checkov 3.3.30's terraform_json parser crashes on a scalar inside the ``terraform`` block, which
cdktn writes for ``required_version`` (checkov issue #7454, fix proposed in PR #7467), and then
silently scans nothing. ``_patch_terraform_block_parser`` applies the same fix in-process.
"""
from __future__ import annotations

import logging
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
    return TerraformJsonRunner, RunnerFilter, resource_registry


def _patch_terraform_block_parser(parser: Any) -> None:
    if getattr(parser.handle_block_type, "_modelops_patched", False):
        return
    original = parser.handle_block_type

    def handle_block_type(block_type: str, blocks: Any) -> list[dict[str, Any]]:
        if block_type != "terraform" or not isinstance(blocks, dict):
            return original(block_type, blocks)
        scalar = {k: v for k, v in blocks.items() if k not in parser.IGNORE_FILED_NAMES
                  and (parser._is_simple_type(v) or parser._is_list_of_simple_types(v))}
        rest = {k: v for k, v in blocks.items() if k not in scalar}
        return original(block_type, rest) + [{k: parser._clean_simple_type_list([v])} for k, v in scalar.items()]

    handle_block_type._modelops_patched = True  # type: ignore[attr-defined]
    parser.handle_block_type = handle_block_type


def run_checkov(files: list[Path], checks_dir: Path, expected_ids: frozenset[str]) -> list[CheckovResult]:
    """Run every built-in and custom check over ``files``; raise CheckovError on unreadable input."""
    if not files:
        return []
    runner_cls, filter_cls, registry = _checkov()
    runner_filter = filter_cls(framework=["terraform_json"], skip_checks=sorted(DISABLED_BUILTIN_CHECKS),
                               show_progress_bar=False)
    report = runner_cls().run(root_folder=None, files=[str(f) for f in files],
                              external_checks_dir=[str(checks_dir)], runner_filter=runner_filter)
    missing = sorted(i for i in expected_ids if registry.get_check_by_id(i) is None)
    if missing:
        raise CheckovError(f"checkov did not load these rules from {checks_dir}: {', '.join(missing)}")
    if report.parsing_errors:
        raise CheckovError(f"checkov could not parse: {', '.join(sorted(report.parsing_errors))}")
    out = []
    for passed, records in ((True, report.passed_checks), (False, report.failed_checks)):
        for r in records:
            out.append(CheckovResult(r.check_id, r.check_name, Path(r.file_abs_path), r.resource, passed,
                                     tuple(r.details or ())))
    return out
