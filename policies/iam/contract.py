"""The permission contract (policies/iam/contract.yaml) checked against synthesized stacks.

``evaluate`` compares, per environment, what each identity's job steps need with the grants the
stacks make, in both directions, and the CI applier/planner roles with the resource types the
stacks hold (config/data/ci_roles.yaml). It returns one ``Verdict`` per checked fact so the gate
can report passes as well as findings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from config import names, patterns
from config.model import Config, Team
from config.patterns import DatasetWrite
from policies.engine.stackset import Resource, StackDoc
from policies.iam.grants import Grant, Resolver, custom_roles, resource_project, stack_grants

HERE = Path(__file__).resolve().parent
CONTRACT_FILE = HERE / "contract.yaml"
ROLES_FILE = HERE / "roles.yaml"
RBAC_ROLES = ("ADMIN", "EDIT", "VIEW", "ANTHOS_SUPPORT")


@cache
def contract() -> dict:
    return yaml.safe_load(CONTRACT_FILE.read_text())


@cache
def predefined_roles() -> dict:
    return yaml.safe_load(ROLES_FILE.read_text())["roles"]


@dataclass(frozen=True)
class Verdict:
    stack: str
    address: str
    construct_path: str
    passed: bool
    message: str
    team: str | None = None
    yaml_path: tuple | None = None


@dataclass(frozen=True)
class Expected:
    member: str
    team: str | None
    target: str
    role: str
    identity: str
    steps: tuple[str, ...]


def condition_holds(when: str | None, team: Team | None, env: str) -> bool:
    """Whether a step's `when` holds for ``team`` in ``env``: every comma-separated condition must.

    Conditions: always, models, production, non_production, a serving pattern's name (a model of the
    team uses it) and `dataset_write:<kind>` (a pattern of the team relies on that grant, config/patterns.py).
    """
    return all(_condition(w.strip(), team, env) for w in (when.split(",") if when else ["always"]))


def _condition(condition: str, team: Team | None, env: str) -> bool:
    used = patterns.used(team) if team else []
    if condition == "always":
        return True
    if condition == "models":
        return bool(team and team.models)
    if condition in ("production", "non_production"):
        return (env in names.PRODUCTION_ENVS) == (condition == "production")
    if condition in patterns.PATTERNS:
        return any(spec.name == condition for spec in used)
    if condition.startswith("dataset_write:"):
        write = DatasetWrite(condition.split(":", 1)[1])
        return team is not None and write in patterns.dataset_writes(team)
    raise ValueError(f"unknown `when` condition {condition!r} in {CONTRACT_FILE.name}")


def _targets(on: str, team: Team | None, team_stack: StackDoc | None) -> list[str]:
    """A contract target expanded to the concrete targets of one team's stacks."""
    if on == "metadata_tables" or on == "summary_tables":
        # A team stack's only dataset is its metadata dataset: every table it creates is one of its tables.
        tables = (
            sorted(str(r.conf.get("table_id")) for r in team_stack.resources("google_bigquery_table"))
            if team_stack
            else []
        )
        return [f"table:{t}" for t in tables if on == "metadata_tables" or t in names.SUMMARY_TABLES]
    per_model = {
        "archive_tables": lambda team, m: f"table:{names.stream_archive_table(m.name)}",
        "scoring_subscriptions": lambda team, m: (
            f"scoring_subscription:{names.model_resource_name(team, m.name, 'scoring')}"
        ),
        "dead_letter_topics": lambda team, m: f"topic:{names.model_resource_name(team, m.name, 'dead-letter')}",
    }
    if on in per_model:  # per-model targets of a team's streaming models
        return [per_model[on](team.name, m) for m in _of_pattern(team, "streaming")] if team else []
    return [on]


def _of_pattern(team: Team | None, pattern: str) -> list:
    """The team's models of one pattern: the targets the contract names per streaming model (archive tables,
    scoring subscriptions, dead-letter topics) are that construct's resources."""
    return [m for m in team.models if m.pattern == pattern] if team else []


def expected_grants(config: Config, env: str, team_stacks: dict[str, StackDoc]) -> dict[tuple, Expected]:
    """(member, team, target, role) -> why, for the platform and every team of ``env`` that has a stack."""
    out: dict[tuple, Expected] = {}
    teams = [t for t in config.teams if env in t.environments]
    for name, identity in contract()["identities"].items():
        platform_scope = identity.get("scope") == "platform"
        for team in [None] if platform_scope else teams:
            if team is not None and team.name not in team_stacks:
                continue
            if (
                team is not None
                and identity["member"].startswith("group:")
                and getattr(team.groups, identity["member"].split(":", 1)[1]) is None
            ):
                continue  # optional group not configured
            for step in identity["steps"]:
                if not condition_holds(step.get("when"), team, env):
                    continue
                for target in _targets(step["target"], team, team_stacks.get(team.name) if team else None):
                    key = (identity["member"], team.name if team else None, target, step["role"])
                    prev = out.get(key)
                    out[key] = Expected(*key, name, (prev.steps if prev else ()) + (step["step"],))
    return out


def role_coverage() -> Iterator[tuple[str, str, str, bool, str]]:
    """(identity, step, role, ok, message): each predefined role holds its steps' permissions per roles.yaml."""
    roles = predefined_roles()
    for name, identity in contract()["identities"].items():
        for step in identity["steps"]:
            role = step["role"]
            if role.startswith("custom:") or role in RBAC_ROLES:
                continue
            if role not in roles:
                yield name, step["step"], role, False, f"{role} is not pinned in {ROLES_FILE.name}"
                continue
            missing = sorted(set(step["permissions"]) - set(roles[role]["permissions"]))
            yield (
                name,
                step["step"],
                role,
                not missing,
                f"{role} lacks {', '.join(missing)} for '{step['step']}'" if missing else "",
            )


def custom_role_permissions() -> dict[str, frozenset[str]]:
    """custom role id -> the union of the permissions of the contract steps that use it."""
    out: dict[str, set[str]] = defaultdict(set)
    for identity in contract()["identities"].values():
        for step in identity["steps"]:
            if step["role"].startswith("custom:"):
                out[step["role"].split(":", 1)[1]] |= set(step["permissions"])
    return {k: frozenset(v) for k, v in out.items()}


def _yaml_path(member: str) -> tuple | None:
    return ("groups", member.split(":", 1)[1]) if member.startswith("group:") else None


def evaluate(config: Config, stacks: Iterable[StackDoc]) -> list[Verdict]:
    """Every verdict for the stacks given (a subset checks only what it can see: see ``complete``)."""
    verdicts: list[Verdict] = []
    by_env: dict[str, list[StackDoc]] = defaultdict(list)
    for stack in stacks:
        if stack.env:
            by_env[stack.env].append(stack)
    for env, env_stacks in sorted(by_env.items()):
        verdicts += _evaluate_env(config, env, env_stacks)
    return verdicts


def _evaluate_env(config: Config, env: str, env_stacks: list[StackDoc]) -> list[Verdict]:
    out: list[Verdict] = []
    team_stacks = {s.team: s for s in env_stacks if s.team}
    platform = next((s for s in env_stacks if s.kind == "platform"), None)
    complete = platform is not None  # sufficiency needs the platform stack (cross-project grants live there)
    grants = [g for s in env_stacks for g in stack_grants(config, s, env)]
    expected = expected_grants(config, env, team_stacks)
    actual: dict[tuple, list[Grant]] = defaultdict(list)
    ci_members = ("ci:applier", "ci:planner")
    for g in grants:
        if g.member in ci_members and g.target.endswith("_project"):
            continue  # checked against the resource types below
        actual[(g.member, g.team, g.target, g.role)].append(g)

    # least privilege: every grant is one the contract asks for
    for key, found in actual.items():
        for g in found:
            ok = key in expected
            out.append(
                Verdict(
                    g.stack,
                    g.address,
                    g.construct_path,
                    ok,
                    ""
                    if ok
                    else f"{g.member} holds {g.role} on {g.target}, which no step of "
                    f"policies/iam/contract.yaml needs (remove it, or add the step that needs it)",
                    g.team,
                    _yaml_path(g.member),
                )
            )
    # sufficiency: every step's grant exists
    if complete:
        for key, exp in expected.items():
            if key in actual:
                continue
            stack = (team_stacks.get(exp.team) if exp.team else None) or platform
            assert stack is not None  # complete: the platform stack is there
            out.append(
                Verdict(
                    stack.name,
                    f"missing.{exp.identity}",
                    f"{stack.name}/iam",
                    False,
                    f"{exp.member}{' of ' + exp.team if exp.team else ''} needs {exp.role} on "
                    f"{exp.target} for: {'; '.join(exp.steps)}",
                    exp.team,
                    _yaml_path(exp.member),
                )
            )
    # custom roles hold exactly their steps' permissions
    wanted = custom_role_permissions()
    for stack in env_stacks:
        for role_id, (resource, permissions) in custom_roles(stack).items():
            need = wanted.get(role_id)
            ok = need is not None and permissions == need
            detail = (
                "not used by any contract step"
                if need is None
                else f"has {sorted(permissions - need)} beyond and lacks {sorted(need - permissions)}"
            )
            out.append(
                Verdict(
                    stack.name,
                    resource.address,
                    resource.construct_path,
                    ok,
                    "" if ok else f"custom role {role_id} {detail}",
                    stack.team,
                )
            )
    if platform is not None:
        out += _ci_verdicts(config, env, env_stacks, platform, grants)
    return out


def _ci_verdicts(
    config: Config, env: str, env_stacks: list[StackDoc], platform: StackDoc, grants: list[Grant]
) -> list[Verdict]:
    """The applier and planner hold, per project, exactly the roles the resource types there need."""
    from config.ci_roles import roles_for_types, team_project_types

    applier_exists = any(
        r.conf.get("account_id") == names.CI_APPLIER for r in platform.resources("google_service_account")
    )
    if not applier_exists:
        return []
    types: dict[str, set[str]] = defaultdict(set)
    for stack in env_stacks:
        resolver = Resolver(config, stack, env)
        for resource in _resources_and_data(stack):
            types[resource_project(resolver, resource) or ""].add(resource.type)
    for team in config.teams:  # a team whose stack is not in this run: what its file declares
        if env in team.environments and not any(s.team == team.name for s in env_stacks):
            types[team.environments[env].project_id] |= team_project_types(team)
    out: list[Verdict] = []
    held: dict[tuple[str, str], set[str]] = defaultdict(set)
    addresses: dict[tuple[str, str, str], Grant] = {}
    for g in grants:
        if g.member in ("ci:applier", "ci:planner") and g.target.endswith("_project"):
            project = _grant_project(platform, g)
            held[(g.member, project)].add(g.role)
            addresses[(g.member, project, g.role)] = g
    for project, project_types in sorted(types.items()):
        for member, kind in (("ci:applier", "apply"), ("ci:planner", "plan")):
            need = roles_for_types(project_types, kind)
            have = held.get((member, project), set())
            for role in sorted(need - have):
                out.append(
                    Verdict(
                        platform.name,
                        f"missing.{member}",
                        f"{platform.name}/ci",
                        False,
                        f"{member} needs {role} on {project} for "
                        f"{sorted(t for t in project_types if role in roles_for_types([t], kind))}",
                    )
                )
            for role in sorted(have):
                g = addresses[(member, project, role)]
                ok = role in need
                out.append(
                    Verdict(
                        g.stack,
                        g.address,
                        g.construct_path,
                        ok,
                        ""
                        if ok
                        else f"{member} holds {role} on {project}, which no resource type there "
                        f"needs (config/data/ci_roles.yaml)",
                    )
                )
    return out


def _grant_project(platform: StackDoc, g: Grant) -> str:
    resource = platform.resource(g.address)
    return str(resource.conf.get("project") or "") if resource else ""


def _resources_and_data(stack: StackDoc) -> Iterator[Resource]:
    yield from stack.resources()
    for tf_type, items in (stack.doc.get("data") or {}).items():
        for lid, conf in items.items():
            yield Resource("data." + tf_type, lid, conf)
