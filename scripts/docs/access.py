"""docs/access.md: who can do what and why. The prose is in the file; every table, command and fact in it
comes from the data the constructs apply and the gate checks (policies/iam/contract.yaml, modules/team_iam.py
TEAM_GRANTS, modules/tenancy.py TENANCY_ROLES, config/data/ci_roles.yaml, the table specs in
modules/metadata_tables.py, Google's IAM data in policies/iam/data/) or from the synthesized platform stacks (the
CI grants the bootstrap makes first), so the documented access cannot drift from what is deployed."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from config import kubernetes_rbac
from config.model import Config


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _role(r: str) -> str:
    if r.startswith("custom:"):
        return f"custom `{r.split(':', 1)[1]}`"
    return f"`{r}`" if r.startswith("roles/") else f"Kubernetes `{r}`"


def iam_data_source() -> str:
    from policies.iam import google_iam

    src = google_iam.provenance()
    return (
        f"{src['repository']} at commit `{src['commit'][:12]}` ({src['commit_date'][:10]}): "
        f"`gcloud iam roles describe` of {src['counts']['predefined_roles']} predefined roles and the REST "
        f"reference's permission sections ({src['counts']['methods']} methods)"
    )


def deny_policy(config: Config, env: str) -> dict[str, Any]:
    """The IAM deny policy for the applier of ``env`` (config/data/ci_roles.yaml `applier_deny`), as
    `gcloud iam policies create --policy-file` reads it (google.iam.v2.Policy JSON)."""
    from config import names
    from config.ci_roles import ci_roles

    email = f"{names.CI_APPLIER}@{config.platform.environments[env].project_id}.iam.gserviceaccount.com"
    return {
        "displayName": "ModelOps CI applier limits",
        "rules": [
            {
                "description": "What the CI applier may never do (docs/access.md, Bootstrap).",
                "denyRule": {
                    "deniedPrincipals": [f"principal://iam.googleapis.com/projects/-/serviceAccounts/{email}"],
                    "deniedPermissions": sorted(ci_roles()["applier_deny"]),
                },
            }
        ],
    }


def _condition_flag(conf: Mapping[str, Any]) -> str:
    """gcloud's --condition; the expression holds commas, so the pairs are split on `;` (`^;^`, gcloud topic
    escaping)."""
    condition = conf.get("condition")
    if not condition:
        return "--condition=None"
    return "--condition=" + shlex.quote(f"^;^title={condition['title']};expression={condition['expression']}")


def pam_onboarding(project: str, agent: Mapping[str, Any]) -> list[str]:
    """A team project that offers entitlements: enable PAM, grant its service agent the project service agent role
    (pam_setup in policies/iam/contract.yaml: "To enable Privileged Access Manager, you need to grant the Privileged
    Access Manager Service Agent role to the Privileged Access Manager Service Agent"), then ask PAM whether it is
    onboarded. The agent's e-mail is the one PAM itself reports (CheckOnboardingStatusResponse.service_account)."""
    from config import access_catalogue

    location = access_catalogue.limits()["location"]
    status = f"gcloud pam check-onboarding-status --project={project} --location={location}"
    return [
        f"gcloud services enable {agent['api']} --project={project}",
        f"PAM_AGENT=$({status} --format='value(serviceAccount)')",
        f'gcloud projects add-iam-policy-binding {project} --member="serviceAccount:$PAM_AGENT" '
        f"--role={agent['role']} --condition=None",
        f"{status}  # expect no findings before the first apply of the team stack",
    ]


CLUSTER_ROLES_FILE = "modelops-ci-cluster-roles.yaml"


def bootstrap_commands(config: Config, stacks: Mapping[str, dict]) -> list[str]:
    """Per environment: the service agents, the state bucket, the CI reader role and every CI grant the platform
    stack declares on each project (read from the synthesized platform stack, conditions included), and the
    deny policy."""
    from config import names
    from config.ci_roles import ci_roles, reader_permissions
    from config.patterns import team_key_services
    from policies.iam.contract import contract
    from stacks.platform import PRODUCTION_PLATFORM_KEYS

    agents = contract()["service_agents"]
    boot = ci_roles()["bootstrap"]
    reader = ci_roles()["ci_reader_role"]
    commands: list[str] = []
    for env, penv in config.platform.environments.items():
        platform_doc = stacks.get(names.platform_stack(env), {})
        applier = f"serviceAccount:{names.CI_APPLIER}@{penv.project_id}.iam.gserviceaccount.com"
        planner = f"serviceAccount:{names.CI_PLANNER}@{penv.project_id}.iam.gserviceaccount.com"
        ci_grants: dict[str, list[tuple[str, str, str]]] = {}
        for conf in (platform_doc.get("resource", {}).get("google_project_iam_member") or {}).values():
            member = conf["member"]
            who = applier if "ci_applier_" in member else planner if "ci_planner_" in member else None
            if who is not None:
                ci_grants.setdefault(conf["project"], []).append((who, conf["role"], _condition_flag(conf)))
        commands += [f"### `{env}`", "", "```sh"]
        projects = [("platform", penv.project_id, None)] + [
            (f"team {t.name}", t.environments[env].project_id, t) for t in config.teams if env in t.environments
        ]
        for label, project, team in projects:
            commands.append(f"# {label}")
            platform_services = (
                ("artifacts", "gke", *PRODUCTION_PLATFORM_KEYS)
                if config.platform.is_production(env)
                else (
                    "artifacts",
                    "gke",
                )
            )
            services = platform_services if team is None else ("dlp", *team_key_services(team))
            for service in services:
                if agents[service]["bootstrap"] != "identity_create":
                    continue
                note = "  # or one projects.content.inspect call (the DLP page's advice)" if service == "dlp" else ""
                commands.append(
                    f"gcloud beta services identity create --service={agents[service]['api']} --project={project}{note}"
                )
            if team is not None and team.access.entitlements:
                commands += pam_onboarding(project, agents["pam"])
            if team is None and penv.state_bucket:
                for who, kind in ((applier, "applier"), (planner, "planner")):
                    commands.append(
                        f"gcloud storage buckets add-iam-policy-binding gs://{penv.state_bucket} --member={who} "
                        f"--role={boot['state_bucket'][kind]}"
                    )
            if any(role.endswith(f"/roles/{reader}") for _, role, _ in ci_grants.get(project, ())):
                commands.append(
                    f"gcloud iam roles create {reader} --project={project} --title='ModelOps CI reader' "
                    f"--permissions={','.join(sorted(reader_permissions()))} --stage=GA"
                )
            for who, role, condition in sorted(ci_grants.get(project, ())):
                commands.append(
                    f"gcloud projects add-iam-policy-binding {project} --member={who} --role={role} {condition}"
                )
            commands.append(
                f"gcloud iam policies create modelops-ci-applier-limits "
                f"--attachment-point=cloudresourcemanager.googleapis.com/projects/{project} --kind=denypolicies "
                f"--policy-file=ci-applier-deny-{env}.json"
            )
        binding = f"modelops-ci-cluster-binding-{env}.yaml"
        commands += [
            "# cluster: the CI identities' roles (Kubernetes Engine Admin or Owner on the platform project;",
            "# config/data/kubernetes_ci_roles.yaml); re-run after that file changes",
            f"gcloud container clusters get-credentials {config.platform.gke.cluster_name} "
            f"--location={config.platform.region} --project={penv.project_id} --dns-endpoint",
            f"kubectl apply -f {CLUSTER_ROLES_FILE} -f {binding}",
        ]
        commands += ["```", "", f"`ci-applier-deny-{env}.json`:", "", "```json"]
        commands += [json.dumps(deny_policy(config, env), indent=2), "```", ""]
        users = [
            f"{account}@{penv.project_id}.iam.gserviceaccount.com" for account in (names.CI_APPLIER, names.CI_PLANNER)
        ]
        commands += [
            f"`{binding}`:",
            "",
            "```yaml",
            kubernetes_rbac.manifest_yaml([kubernetes_rbac.cluster_reader_binding(users)]),
        ]
        commands += ["```", ""]
    if config.platform.environments:
        commands += [f"`{CLUSTER_ROLES_FILE}` (every environment):", "", "```yaml"]
        commands += [kubernetes_rbac.manifest_yaml(kubernetes_rbac.cluster_roles()), "```", ""]
    return commands


def blocks(config: Config, stacks: Mapping[str, dict] | None = None) -> dict[str, str]:
    from config import names
    from config.ci_roles import ci_roles, entry_roles, reader_permissions
    from config.names import AccountKind
    from modules.metadata_tables import TEAM_TABLE_COLUMNS
    from modules.service_accounts import WORKLOAD_IDENTITY_USER
    from modules.team_iam import CUSTOM_ROLES, TEAM_GRANTS
    from modules.tenancy import TENANCY_ROLES
    from policies.iam.contract import contract

    data = contract()
    sources, agents = data["sources"], data["service_agents"]
    out = {"iam-data": iam_data_source()}

    identities: list[str] = []
    for name, identity in data["identities"].items():
        where = "platform project" if identity.get("scope") == "platform" else "each team project"
        identities += [f"### `{name}` ({identity['member']}, {where})", "", identity["duties"], ""]
        identities += _table(
            ("Step", "Permissions (Google's reference)", "REST calls", "Grant", "On", "When"),
            [
                (
                    st["step"],
                    ", ".join(f"`{x}`" for x in st["permissions"]) or "-",
                    ", ".join(f"`{c}`" for c in st.get("calls", ())) or "-",
                    _role(st["role"]),
                    f"`{st['target']}`",
                    st.get("when", "always"),
                )
                for st in identity["steps"]
            ],
        )
        identities += ["", "Sources: " + ", ".join(sorted({sources[st["source"]] for st in identity["steps"]})), ""]
    out["identities"] = "\n".join(identities)

    out["custom-roles"] = "\n".join(
        _table(
            ("Role id", "Permissions", "Why"),
            [
                (f"`{rid}`", ", ".join(f"`{p}`" for p in sorted(perms)), desc)
                for rid, (_, desc, perms) in CUSTOM_ROLES.items()
            ],
        )
    )

    def who(principal) -> str:
        return f"`{principal}` service account" if isinstance(principal, AccountKind) else f"`groups.{principal}`"

    out["team-grants"] = "\n".join(
        _table(
            ("Principal", "On", "Role", "When", "Why"),
            [(who(g.principal), g.target.description, _role(g.role), g.when, g.why) for g in TEAM_GRANTS],
        )
    )
    out["tenancy-roles"] = "\n".join(
        _table(
            ("Group", "Kubernetes role in the namespace", "Scope IAM", "Fleet project"),
            [
                (f"`groups.{k}`", f"`{rbac}`", f"`{scope}`", f"`{project}`")
                for k, (rbac, scope, project) in TENANCY_ROLES.items()
            ],
        )
    )
    out["workload-identity-role"] = f"`{WORKLOAD_IDENTITY_USER}`"
    out["workload-identity-member"] = (
        f"`{names.workload_identity_member('<platform-project>', '<team>', '<team>-serving')}`"
    )
    out["pii-columns"] = "\n".join(
        _table(
            ("Table", "PII columns"),
            [
                (f"`{t}`", ", ".join(f"`{c.name}`" for c in cols if c.pii) or "none")
                for t, cols in TEAM_TABLE_COLUMNS.items()
            ]
            + [
                (
                    f"`{names.batch_input_table('<model>')}`, `{names.stream_archive_table('<model>')}`",
                    "the model's features marked `pii: true` in the team file",
                )
            ],
        )
    )
    table = ci_roles()["resource_types"]

    def roles(entry, kind: str) -> str:
        return ", ".join(_role(r) for r in entry_roles(entry, kind))

    out["ci-types"] = "\n".join(
        _table(
            ("Terraform type", "Applier", "Planner", "Deciding permission", "REST method read"),
            [
                (
                    f"`{t}`",
                    roles(e, "apply"),
                    roles(e, "plan"),
                    f"`{e['permission']}`",
                    f"`{e['method']}`" if e.get("method") else "-",
                )
                for t, e in sorted(table.items())
            ],
        )
    )
    out["act-as-types"] = ", ".join(f"`{t}`" for t, e in sorted(table.items()) if e.get("also"))
    out["act-as-role"] = f"`{ci_roles()['act_as_role']}`"
    out["ci-reader-role"] = (
        f"`{ci_roles()['ci_reader_role']}` ({', '.join(f'`{p}`' for p in sorted(reader_permissions()))})"
    )
    out["applier-deny"] = "\n".join(
        _table(
            ("Denied permission", "What it would let the applier do"),
            [(f"`{p}`", why) for p, why in sorted(ci_roles()["applier_deny"].items())],
        )
    )

    commands = bootstrap_commands(config, stacks or {})
    out["bootstrap-commands"] = "\n".join(commands)
    out["service-agents"] = "\n".join(
        _table(
            ("Agent", "API", "Created", "Bootstrap", "Source"),
            [
                (f"`{k}`", f"`{v['api']}`", v["created"], f"`{v['bootstrap']}`", sources[v["source"]])
                for k, v in agents.items()
            ],
        )
    )
    out["exceptions"] = "\n".join(
        _table(
            ("Identity", "Grant", "On", "Why"),
            [(f"`{e['identity']}`", _role(e["role"]), f"`{e['target']}`", e["why"]) for e in data["exceptions"]],
        )
    )
    from scripts.docs.jit_access import catalogue_lines, team_lines

    out["access-catalogue"] = "\n".join(catalogue_lines())
    out["access-by-team"] = "\n".join(
        line for t in config.teams for line in (f"### `{t.name}`", "", *team_lines(config, t), "")
    )
    kinds = ("admins", "developers", "viewers", "sensitive_data_readers", "consumers")
    out["example-groups"] = "\n".join(
        _table(
            ("Team", *kinds),
            [
                (t.name, *(f"`{getattr(t.groups, k)}`" if getattr(t.groups, k) else "-" for k in kinds))
                for t in config.teams
            ],
        )
    )
    return out


def expected(docs: Path, config: Config, stacks: Mapping[str, dict]) -> dict[Path, str]:
    from scripts.docs.blocks import fill

    doc = docs / "access.md"
    return {doc: fill(doc.read_text(), blocks(config, stacks), document="docs/access.md")}
