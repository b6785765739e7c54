"""The permission contract (policies/iam/contract.yaml) checked against synthesized stacks and Google's IAM data.

``evaluate`` compares, per environment, what each identity's job steps need with the grants the stacks make, in
both directions, and the CI applier/planner roles with the resource types the stacks hold (config/data/
ci_roles.yaml). Every role and permission is judged by Google's data (policies/iam/google_iam.py), not by ours:

- a predefined role serves a step only if Google's listing of the role holds the step's permissions;
- every permission a step or a custom role names must exist (held by a predefined role, or named by Google's
  REST reference for a method);
- every REST method a step lists in ``calls`` (and every Google API call of a synthesized workflow or scheduler
  job, which must be listed) has the permissions Google's REST map names for it among the identity's steps.

It returns one ``Verdict`` per checked fact so the gate can report passes as well as findings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import yaml

from config import names, patterns
from config.access_catalogue import catalogue
from config.ci_roles import (
    PROJECT_ROLE,
    conditioned_iam_admin,
    entry_roles,
    reader_permissions,
    reader_role,
    roles_for_types,
    team_project_types,
    types_by_project,
    unknown_types,
)
from config.model import DEFAULT_PRODUCTION_NAMES, GITHUB_ISSUER, Config, Team
from config.patterns import DatasetWrite
from policies.engine.stackset import Resource, StackDoc
from policies.iam import calls as rest_calls
from policies.iam import google_iam, kubernetes_access
from policies.iam.grants import Grant, Resolver, custom_roles, stack_grants

CONTRACT_FILE = google_iam.CONTRACT_FILE
RBAC_ROLES = ("ADMIN", "EDIT", "VIEW", "ANTHOS_SUPPORT")
DUMP = "Google's IAM data, policies/iam/data/google-iam.json.gz"
HAS_ONLY = re.compile(r"^api\.getAttribute\('iam\.googleapis\.com/modifiedGrantsByRole', \[\]\)\.hasOnly\(\[(.*)\]\)$")


@cache
def contract() -> dict:
    return yaml.safe_load(CONTRACT_FILE.read_text())


def predefined_roles() -> dict[str, dict]:
    """Every predefined role the stacks grant -> its title, stage and `permissions` per Google's IAM data."""
    return {role: dict(google_iam.data()["roles"][role]) for role in sorted(google_iam.roles_in_use())}


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
    problems: tuple[str, ...] = ()


def github_ci(config: Config | None) -> bool:
    ci = config.platform.ci if config is not None else None
    return ci is not None and ci.issuer_uri == GITHUB_ISSUER


def condition_holds(when: str | None, team: Team | None, env: str, config: Config | None = None) -> bool:
    """Whether a step's `when` holds for ``team`` in ``env``: every comma-separated condition must.

    Conditions: always, models, production, non_production, a serving pattern's name (a model of the
    team uses it), `dataset_write:<kind>` (a pattern of the team relies on that grant, config/patterns.py) and
    github_ci (the platform's CI is GitHub Actions, so the applier and planner exist: modules/ci_identity.py).
    """
    return all(_condition(w.strip(), team, env, config) for w in (when.split(",") if when else ["always"]))


def _condition(condition: str, team: Team | None, env: str, config: Config | None) -> bool:
    used = patterns.used(team) if team else []
    if condition == "always":
        return True
    if condition == "models":
        return bool(team and team.models)
    if condition in ("production", "non_production"):
        production = config.platform.is_production(env) if config else env in DEFAULT_PRODUCTION_NAMES
        return production == (condition == "production")
    if condition in patterns.PATTERNS:
        return any(spec.name == condition for spec in used)
    if condition.startswith("dataset_write:"):
        write = DatasetWrite(condition.split(":", 1)[1])
        return team is not None and write in patterns.dataset_writes(team)
    if condition == "github_ci":
        return github_ci(config)
    raise ValueError(f"unknown `when` condition {condition!r} in {CONTRACT_FILE.name}")


# ---------------------------------------------------------------- Google's data against the contract's steps


def _identity_permissions(identity: dict) -> frozenset[str]:
    return frozenset(p for step in identity["steps"] for p in step["permissions"])


def step_problems(identity_name: str, step: dict) -> list[str]:
    """What Google's data says is wrong with one step: a permission that does not exist, a predefined role
    without the step's permissions, a call whose mapped permissions the identity's steps do not hold."""
    data = contract()
    identity = data["identities"][identity_name]
    problems: list[str] = []
    for permission in step["permissions"]:
        if not google_iam.permission_exists(permission):
            problems.append(
                f"'{step['step']}' names {permission}, which is not a permission in {DUMP} (no predefined role holds "
                "it and Google's REST reference names it for no method)"
            )
    role = step["role"]
    if role.startswith("roles/"):
        try:
            held = google_iam.role_permissions(role)
        except google_iam.MissingData as exc:
            problems.append(str(exc))
        else:
            missing = sorted(set(step["permissions"]) - held)
            if missing:
                problems.append(f"{role} lacks {', '.join(missing)} for '{step['step']}' ({DUMP})")
            if google_iam.role_stage(role) == "DEPRECATED":
                problems.append(f"{role} is DEPRECATED in {DUMP}")
    held_by_identity = _identity_permissions(identity)
    for method in step.get("calls", ()):
        needed, problem = rest_calls.needed(method, data.get("call_notes", {}))
        if problem:
            problems.append(problem)
        missing = sorted(needed - held_by_identity)
        if missing:
            problems.append(
                f"'{step['step']}' calls {method}, which checks {', '.join(missing)} (Google's REST reference via "
                f"{DUMP}); no step of {identity_name} holds it"
            )
    return problems


def role_coverage() -> Iterator[tuple[str, str, str, bool, str]]:
    """(identity, step, role, ok, message) for every step, judged by Google's data (``step_problems``)."""
    for name, identity in contract()["identities"].items():
        for step in identity["steps"]:
            problems = step_problems(name, step)
            yield name, step["step"], step["role"], not problems, "; ".join(problems)


def custom_role_permissions() -> dict[str, frozenset[str]]:
    """custom role id -> the union of the permissions of the contract steps that use it."""
    out: dict[str, set[str]] = defaultdict(set)
    for identity in contract()["identities"].values():
        for step in identity["steps"]:
            if step["role"].startswith("custom:"):
                out[step["role"].split(":", 1)[1]] |= set(step["permissions"])
    return {k: frozenset(v) for k, v in out.items()}


def listed_calls(identity_name: str) -> frozenset[str]:
    return frozenset(m for step in contract()["identities"][identity_name]["steps"] for m in step.get("calls", ()))


# ---------------------------------------------------------------- grants against the contract


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
                if not condition_holds(step.get("when"), team, env, config):
                    continue
                problems = tuple(step_problems(name, step))
                for target in _targets(step["target"], team, team_stacks.get(team.name) if team else None):
                    key = (identity["member"], team.name if team else None, target, step["role"])
                    prev = out.get(key)
                    out[key] = Expected(
                        *key,
                        name,
                        (prev.steps if prev else ()) + (step["step"],),
                        (prev.problems if prev else ()) + problems,
                    )
    return out


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


CI_MEMBERS = ("ci:applier", "ci:planner")


def _standing_role(config: Config, g: Grant) -> bool:
    """``g`` grants a role of the catalogue entry a standing grant of its team declares for its member."""
    entries = catalogue()
    member = g.member.removeprefix("standing:")
    team = config.team(g.team) if g.team else None
    roles = {
        b.role
        for s in (team.access.grants if team is not None else ())
        if s.member == member and s.role in entries
        for b in entries[s.role].roles
    }
    return g.role in roles


def _evaluate_env(config: Config, env: str, env_stacks: list[StackDoc]) -> list[Verdict]:
    out: list[Verdict] = []
    team_stacks = {s.team: s for s in env_stacks if s.team}
    platform = next((s for s in env_stacks if s.kind == "platform"), None)
    complete = platform is not None  # sufficiency needs the platform stack (cross-project grants live there)
    grants = [g for s in env_stacks for g in stack_grants(config, s, env)]
    expected = expected_grants(config, env, team_stacks)
    actual: dict[tuple, list[Grant]] = defaultdict(list)
    for g in grants:
        if g.member in CI_MEMBERS and g.target.endswith("_project"):
            continue  # checked against the resource types below
        if g.member.startswith("standing:") and g.target == "team_project" and _standing_role(config, g):
            continue  # a declared standing grant: its roles are the catalogue's (config/data/access_catalogue.yaml)
        actual[(g.member, g.team, g.target, g.role)].append(g)

    # least privilege: every grant is one the contract asks for, with a role Google says serves its steps
    for key, found in actual.items():
        exp = expected.get(key)
        for g in found:
            if exp is None:
                message = (
                    f"{g.member} holds {g.role} on {g.target}, which no step of "
                    f"policies/iam/contract.yaml needs (remove it, or add the step that needs it)"
                )
            else:
                message = "; ".join(dict.fromkeys(exp.problems))
            out.append(
                Verdict(g.stack, g.address, g.construct_path, not message, message, g.team, _yaml_path(g.member))
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
    out += _custom_role_verdicts(env_stacks)
    out += _call_verdicts(config, env, env_stacks)
    if platform is not None:
        out += _ci_verdicts(config, env, env_stacks, platform, grants)
    out += _kubernetes_verdicts(env_stacks)
    return out


def _kubernetes_verdicts(env_stacks: list[StackDoc]) -> list[Verdict]:
    """Every Kubernetes object of a team stack is one the CI identities' namespace roles cover."""
    return [
        Verdict(stack.name, r.address, r.construct_path, not missing, "; ".join(missing))
        for stack in env_stacks
        for r, missing in (
            kubernetes_access.problems(stack) if stack.team else kubernetes_access.feature_problems(stack)
        )
    ]


def _custom_role_verdicts(env_stacks: list[StackDoc]) -> list[Verdict]:
    """Custom roles hold exactly their steps' permissions, each one a permission Google knows."""
    out: list[Verdict] = []
    wanted = custom_role_permissions()
    for stack in env_stacks:
        for role_id, (resource, permissions) in custom_roles(stack).items():
            need = wanted.get(role_id)
            unknown = sorted(p for p in permissions if not google_iam.permission_exists(p))
            problems = []
            if need is None:
                problems.append("not used by any contract step")
            elif permissions != need:
                problems.append(f"has {sorted(permissions - need)} beyond and lacks {sorted(need - permissions)}")
            if unknown:
                problems.append(
                    f"holds {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not a permission in "
                    f"{DUMP}: IAM refuses a custom role with an unknown permission, and every grant of the role fails"
                )
            message = f"custom role {role_id} " + "; ".join(problems) if problems else ""
            out.append(
                Verdict(stack.name, resource.address, resource.construct_path, not problems, message, stack.team)
            )
    return out


def _call_verdicts(config: Config, env: str, env_stacks: list[StackDoc]) -> list[Verdict]:
    """Every Google API call of a synthesized workflow or scheduler job is one the identity it runs as lists."""
    out: list[Verdict] = []
    # A member may have a team-scope and a platform-scope identity (the CI applier, the scorecard job): a call is
    # listed when either lists it. A team identity comes first in the name given in findings.
    identities: dict[str, list[str]] = defaultdict(list)
    for name, identity in sorted(contract()["identities"].items(), key=lambda kv: kv[1].get("scope") == "platform"):
        identities[identity["member"]].append(name)
    for stack in env_stacks:
        resolver = Resolver(config, stack, env)
        by_resource: dict[str, list[str]] = defaultdict(list)
        seen: dict[str, Resource] = {}
        for resource, written, method in rest_calls.stack_calls(stack):
            seen[resource.address] = resource
            by_resource.setdefault(resource.address, [])
            runs_as = _runs_as(resolver, resource)
            names_of = identities.get(runs_as, [])
            identity = names_of[0] if names_of else None
            if method is None:
                by_resource[resource.address].append(
                    f"calls {written}, which policies/iam/calls.py cannot map to a REST method of Google's reference"
                )
            elif identity is None:
                by_resource[resource.address].append(f"runs as {runs_as}, which policies/iam/contract.yaml lacks")
            elif not any(method in listed_calls(n) for n in names_of):
                by_resource[resource.address].append(
                    f"calls {method} as {identity}, which no step of {identity} in policies/iam/contract.yaml lists "
                    "(add it to the step's `calls`, with the permissions Google's REST reference names)"
                )
        for address, problems in by_resource.items():
            resource = seen[address]
            unique = list(dict.fromkeys(problems))
            out.append(Verdict(stack.name, address, resource.construct_path, not unique, "; ".join(unique), stack.team))
    return out


def _runs_as(resolver: Resolver, resource: Resource) -> str:
    conf = resource.conf
    account = conf.get("service_account") or ((conf.get("http_target") or {}).get("oauth_token") or {}).get(
        "service_account_email"
    )
    if not account:
        return "the default service account"
    value = str(account)
    return resolver.member(value if value.startswith("${") else f"serviceAccount:{value}", resolver.team_of(resource))


# ---------------------------------------------------------------- CI applier and planner


def _ci_types(config: Config, env: str, env_stacks: list[StackDoc]) -> dict[str, set[str]]:
    """project -> every type applied or read there by the stacks (and, for a team whose stack is not in this
    run, what its team file declares)."""
    types: dict[str, set[str]] = defaultdict(set)
    for stack in env_stacks:
        elements = [(r.type, r.conf) for r in stack.resources_and_data()]
        for project, found in types_by_project(elements, stack.project).items():
            types[project] |= found
    for team in config.teams:
        if env in team.environments and not any(s.team == team.name for s in env_stacks):
            types[team.environments[env].project_id] |= team_project_types(team)
    return types


def ci_entry_problems() -> list[str]:
    """Each CI table entry's deciding permission is held, per Google's data, by the roles the entry names (the
    apply roles; for a data source, which plan reads too, also the plan roles), and a data source's REST method
    checks exactly that permission."""
    from config.ci_roles import ci_roles

    problems: list[str] = []
    notes = contract().get("call_notes", {})
    reader = reader_role()
    for tf_type, entry in sorted(ci_roles()["resource_types"].items()):
        kinds = ("apply", "plan") if tf_type.startswith("data.") else ("apply",)
        for kind in kinds:
            held: set[str] = set()
            for role in entry_roles(entry, kind):
                if role == reader:
                    held |= reader_permissions()
                else:
                    try:
                        held |= google_iam.role_permissions(role)
                    except google_iam.MissingData as exc:
                        problems.append(str(exc))
            if entry["permission"] not in held:
                problems.append(
                    f"{tf_type}: the {kind} role(s) {entry_roles(entry, kind)} lack {entry['permission']} ({DUMP})"
                )
        if not google_iam.permission_exists(entry["permission"]):
            problems.append(f"{tf_type}: {entry['permission']} is not a permission in {DUMP}")
        if entry.get("method"):
            needed, problem = rest_calls.needed(entry["method"], notes)
            if problem:
                problems.append(f"{tf_type}: {problem}")
            if needed - {entry["permission"]}:
                problems.append(
                    f"{tf_type} reads through {entry['method']}, which checks {sorted(needed)}; the table names "
                    f"{entry['permission']}"
                )
    for denied, why in sorted(ci_roles().get("applier_deny", {}).items()):
        if not why or not google_iam.permission_exists(deny_to_iam(denied)):
            problems.append(f"applier_deny: {denied} is not a permission in {DUMP} (or has no reason)")
    for permission in sorted(reader_permissions()):
        if not google_iam.in_predefined_role(permission):
            problems.append(
                f"{reader}: {permission} is in no predefined role of {DUMP}; a custom role may not accept it"
            )
    return problems


def _ci_verdicts(
    config: Config, env: str, env_stacks: list[StackDoc], platform: StackDoc, grants: list[Grant]
) -> list[Verdict]:
    """The applier and planner hold, per project, exactly the roles the resource types there need; the applier's
    Project IAM Admin is limited to the roles the stacks grant there."""
    applier_exists = any(
        r.conf.get("account_id") == names.CI_APPLIER for r in platform.resources("google_service_account")
    )
    if not applier_exists:
        return []
    types = _ci_types(config, env, env_stacks)
    out: list[Verdict] = []
    table_problems = ci_entry_problems()
    held: dict[tuple[str, str], set[str]] = defaultdict(set)
    addresses: dict[tuple[str, str, str], Grant] = {}
    for g in grants:
        if g.member in CI_MEMBERS and g.target.endswith("_project"):
            project = _grant_project(platform, g)
            held[(g.member, project)].add(g.role)
            addresses[(g.member, project, g.role)] = g
    granted = _project_roles(env_stacks)
    # Where a team stack is not in this run, its grants are unknown: the condition may list more there.
    present = {s.team for s in env_stacks if s.team}
    teams = [t for t in config.teams if env in t.environments]
    partial = {t.environments[env].project_id for t in teams if t.name not in present}
    if partial:
        partial.add(platform.project or "")  # team stacks grant in the platform project too (the deployer's log write)
    # A type without a row (a raw resource, say) is a finding on that resource, not a crash: the roles CI needs
    # for it are unknown.
    unknown = unknown_types(set().union(*types.values()))
    for stack in env_stacks:
        for r in stack.resources_and_data():
            if r.type in unknown:
                out.append(
                    Verdict(
                        stack.name,
                        r.address,
                        r.construct_path,
                        False,
                        f"CI's roles for {r.type} are unknown: add it to config/data/ci_roles.yaml with the roles "
                        "that apply and plan it (Google's IAM reference for its API)",
                    )
                )
    for project, all_types in sorted(types.items()):
        project_types = all_types - unknown
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
                problems = (
                    []
                    if role in need
                    else [
                        f"{member} holds {role} on {project}, which no resource type there needs (config/data/ci_roles.yaml)"
                    ]
                )
                if role in need:
                    problems += table_problems
                if member == "ci:applier" and role == conditioned_iam_admin():
                    problems += _iam_admin_condition_problems(
                        platform, g, granted.get(project, set()), complete=project not in partial
                    )
                out.append(
                    Verdict(g.stack, g.address, g.construct_path, not problems, "; ".join(dict.fromkeys(problems)))
                )
    return out


def _project_roles(env_stacks: list[StackDoc]) -> dict[str, set[str]]:
    """project -> every role any stack grants at project level there, as the grant names it."""
    out: dict[str, set[str]] = defaultdict(set)
    for stack in env_stacks:
        resolver_index = {
            (t, lid): conf for t, items in (stack.doc.get("resource") or {}).items() for lid, conf in items.items()
        }
        for r in stack.resources("google_project_iam_member"):
            role = str(r.conf.get("role", ""))
            if role.startswith("${google_project_iam_custom_role."):
                lid = role.split(".")[1]
                conf = resolver_index.get(("google_project_iam_custom_role", lid), {})
                role = f"projects/{conf.get('project')}/roles/{conf.get('role_id')}"
            out[str(r.conf.get("project") or stack.project)].add(role)
    return out


def _iam_admin_condition_problems(platform: StackDoc, g: Grant, granted: set[str], *, complete: bool) -> list[str]:
    """The applier's Project IAM Admin may modify grants of exactly the roles the stacks grant in the project, and
    never of Project IAM Admin (https://cloud.google.com/iam/docs/setting-limits-on-granting-roles). Without every
    stack that grants there (``complete`` False) only what the present stacks grant is checked."""
    resource = platform.resource(g.address)
    condition = (resource.conf.get("condition") if resource else None) or {}
    if isinstance(condition, list):
        condition = condition[0] if condition else {}
    expression = str(condition.get("expression", ""))
    if not expression:
        return [
            f"{conditioned_iam_admin()} is unconditioned: the applier could grant any role to anyone (limit it with "
            "the iam.googleapis.com/modifiedGrantsByRole condition)"
        ]
    match = HAS_ONLY.match(expression.strip())
    if not match:
        return [f"{conditioned_iam_admin()}'s condition is not the modifiedGrantsByRole hasOnly form: {expression!r}"]
    listed = set(re.findall(r"'([^']+)'", match.group(1)))
    want = granted - {conditioned_iam_admin()}
    problems = []
    if conditioned_iam_admin() in listed:
        problems.append(f"the condition lets the applier grant {conditioned_iam_admin()} itself, so it could lift it")
    if complete and listed - want - {conditioned_iam_admin()}:
        problems.append(
            f"the condition allows {sorted(listed - want - {conditioned_iam_admin()})}, which no stack grants there"
        )
    if want - listed:
        problems.append(
            f"the condition does not allow {sorted(want - listed)}, which the stacks grant there (apply fails)"
        )
    return problems


def _grant_project(platform: StackDoc, g: Grant) -> str:
    resource = platform.resource(g.address)
    return str(resource.conf.get("project") or "") if resource else ""


def deny_to_iam(permission: str) -> str:
    """A deny-policy permission (`cloudkms.googleapis.com/cryptoKeyVersions.destroy`) as roles list it
    (`cloudkms.cryptoKeyVersions.destroy`); IAM's own newer permissions keep the domain form in both."""
    if google_iam.permission_exists(permission):
        return permission
    service, _, rest = permission.partition(".googleapis.com/")
    return f"{service}.{rest}" if rest else permission


def normalize_role(role: str) -> str:
    """`projects/<p>/roles/<id>` (a custom role granted by name) -> `custom:<id>`."""
    match = PROJECT_ROLE.match(role)
    return f"custom:{match.group(2)}" if match else role
