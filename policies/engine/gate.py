"""Run every rule over the synthesized stacks and turn the results into located findings."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from pathlib import Path

from config import names
from config.errors import ConfigInvalid
from config.model import Config
from policies.engine import registry, suppressions
from policies.engine.builtin import builtin_info
from policies.engine.checkov_runner import run_checkov
from policies.engine.findings import Finding, Passed
from policies.engine.sources import SourceMap
from policies.engine.stackset import Scan, StackDoc, load_stacks, stack_owners, standing_grant_keys
from policies.rulebase import RuleInfo, set_serving_registries, set_stack_owners, set_standing_grants

SEVERITY_ORDER = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3}


@dataclass
class GateResult:
    stacks: list[str]
    findings: list[Finding]
    passed: list[Passed]
    used: list[tuple[suppressions.Owned, int]]
    unused: list[suppressions.Owned]
    rules: dict[str, RuleInfo]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed]

    @property
    def suppressed(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def serving_registries(config: Config) -> dict[str, str]:
    """Each environment's serving-image repository: the platform region and that environment's platform project."""
    platform = config.platform
    return {env: names.serving_image_prefix(platform.region, e.project_id) for env, e in platform.environments.items()}


def check_suppressions(config: Config, today: datetime.date) -> None:
    """Bad suppressions are bad input (exit 2), reported with file:line before anything runs."""
    errors = suppressions.validate(config, registry.suppressible_ids(), today)
    if errors:
        raise ConfigInvalid(errors)


def run_gate(
    config: Config,
    synth_dir: Path,
    *,
    only: set[str] | None = None,
    today: datetime.date | None = None,
    base_synth_dir: Path | None = None,
) -> GateResult:
    """Check the stacks in ``synth_dir`` (all, or the names in ``only``); with ``base_synth_dir`` (the
    synthesized base revision) also preview which data-holding resources the change would replace."""
    today = today or datetime.date.today()
    check_suppressions(config, today)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    everything = load_stacks(config, synth_dir)
    stacks = [s for s in everything if only is None or s.name in only]
    by_file = {s.file.resolve(): s for s in stacks}
    infos = registry.by_id()
    sources = SourceMap(config)
    findings: list[Finding] = []
    passed: list[Passed] = []

    # resource rules see each resource's stack, team, env and whether it is production by its file
    production = [e for e in config.platform.environments if config.platform.is_production(e)]
    set_stack_owners(stack_owners(config), production)
    set_standing_grants(standing_grant_keys(config))  # the only user: principals MLOPS_IAM_4 accepts
    set_serving_registries(serving_registries(config))  # the only image repository per environment (MLOPS_GKE_7)
    results = run_checkov([s.file for s in stacks], registry.CHECKS_DIR, registry.resource_rule_ids())
    timings["checkov"] = time.perf_counter() - started
    for r in results:
        stack = by_file.get(r.file.resolve())
        if stack is None:
            continue
        resource = stack.resource(r.address)
        address = resource.address if resource else r.address
        if r.passed:
            passed.append(Passed(r.check_id, stack.name, address))
            continue
        info = infos.get(r.check_id) or infos.setdefault(r.check_id, builtin_info(r.check_id, r.title))
        path = resource.construct_path if resource else f"{stack.name}/{r.address}"
        message = "; ".join(r.details) or info.title
        findings.append(_finding(info, stack, address, path, message, sources))

    started = time.perf_counter()
    base = load_stacks(config, base_synth_dir) if base_synth_dir is not None else None
    scan = Scan(config, stacks, everything, base_stacks=base, today=today)
    stacks_by_name = {s.name: s for s in stacks}
    for rule in registry.config_rules():
        info = infos[rule.id]
        for outcome in rule.evaluate(scan):
            if outcome.passed:
                passed.append(Passed(rule.id, outcome.stack, outcome.address))
                continue
            stack = stacks_by_name[outcome.stack]
            findings.append(
                _finding(
                    info,
                    stack,
                    outcome.address,
                    outcome.construct_path,
                    outcome.message or info.title,
                    sources,
                    outcome.yaml_path,
                )
            )
    timings["config_rules"] = time.perf_counter() - started

    scanned_owners = {s.team or "platform" for s in stacks}
    findings, used, unused = suppressions.apply(findings, config, scanned_owners)
    findings.sort(key=lambda f: (f.owner, SEVERITY_ORDER.get(f.severity, 9), f.rule, f.file, f.line, f.address))
    return GateResult([s.name for s in stacks], findings, passed, used, unused, infos, timings)


def _finding(
    info: RuleInfo,
    stack: StackDoc,
    address: str,
    construct_path: str,
    message: str,
    sources: SourceMap,
    yaml_path: tuple | None = None,
) -> Finding:
    file, line = sources.locate(stack, construct_path, info, yaml_path)
    return Finding(
        rule=info.id,
        title=info.title,
        severity=info.severity,
        capability=info.capability,
        kind=info.kind,
        stack=stack.name,
        team=stack.team,
        env=stack.env,
        address=address,
        construct_path=construct_path,
        file=file,
        line=line,
        message=message,
        fix=info.fix,
    )
