"""docs/access.md: who can do what and why. The prose is in the file; every table, command and fact in it
comes from the data the constructs apply and the gate checks (policies/iam/contract.yaml, modules/team_iam.py
TEAM_GRANTS, modules/tenancy.py TENANCY_ROLES, config/data/ci_roles.yaml, the table specs in
modules/metadata_tables.py), so the documented access cannot drift from what is deployed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from config.model import Config


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _role(r: str) -> str:
    if r.startswith("custom:"):
        return f"custom `{r.split(':', 1)[1]}`"
    return f"`{r}`" if r.startswith("roles/") else f"Kubernetes `{r}`"


def predefined_roles_read_on() -> str:
    from policies.iam.contract import ROLES_FILE

    return str(yaml.safe_load(ROLES_FILE.read_text())["read_on"])


def blocks(config: Config) -> dict[str, str]:
    from config import names
    from config.ci_roles import ci_roles, roles_for_types, team_project_types
    from config.names import AccountKind
    from config.patterns import team_key_services
    from modules.metadata_tables import TEAM_TABLE_COLUMNS
    from modules.service_accounts import WORKLOAD_IDENTITY_USER
    from modules.team_iam import CUSTOM_ROLES, TEAM_GRANTS
    from modules.tenancy import TENANCY_ROLES
    from policies.iam.contract import contract

    data = contract()
    sources, agents = data["sources"], data["service_agents"]
    out = {"roles-read-on": predefined_roles_read_on()}

    identities: list[str] = []
    for name, identity in data["identities"].items():
        where = "platform project" if identity.get("scope") == "platform" else "each team project"
        identities += [f"### `{name}` ({identity['member']}, {where})", "", identity["duties"], ""]
        identities += _table(
            ("Step", "Permissions (Google's reference)", "Grant", "On", "When"),
            [
                (
                    st["step"],
                    ", ".join(f"`{x}`" for x in st["permissions"]) or "-",
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
    out["ci-types"] = "\n".join(
        _table(
            ("Terraform type", "Applier", "Planner", "Deciding permission"),
            [(f"`{t}`", f"`{e['apply']}`", f"`{e['plan']}`", f"`{e['permission']}`") for t, e in sorted(table.items())],
        )
    )
    out["act-as-types"] = ", ".join(f"`{t}`" for t, e in sorted(table.items()) if e.get("also"))
    out["act-as-role"] = f"`{ci_roles()['act_as_role']}`"

    commands: list[str] = []
    for env, penv in config.platform.environments.items():
        applier = f"serviceAccount:{names.CI_APPLIER}@{penv.project_id}.iam.gserviceaccount.com"
        planner = f"serviceAccount:{names.CI_PLANNER}@{penv.project_id}.iam.gserviceaccount.com"
        commands += [f"### `{env}`", "", "```sh"]
        for service in ("artifacts", "gke"):
            if agents[service]["bootstrap"] == "identity_create":
                commands.append(
                    f"gcloud beta services identity create --service={agents[service]['api']} "
                    f"--project={penv.project_id}"
                )
        boot = ci_roles()["bootstrap"]
        if penv.state_bucket:
            commands.append(
                f"gcloud storage buckets add-iam-policy-binding gs://{penv.state_bucket} --member={applier} "
                f"--role={boot['state_bucket']['applier']}"
            )
            commands.append(
                f"gcloud storage buckets add-iam-policy-binding gs://{penv.state_bucket} --member={planner} "
                f"--role={boot['state_bucket']['planner']}"
            )
        for team in config.teams:
            if env not in team.environments:
                continue
            tp = team.environments[env].project_id
            commands.append(f"# team {team.name}")
            for service in ["dlp", *team_key_services(team)]:
                if agents[service]["bootstrap"] != "identity_create":
                    continue
                note = "  # or one projects.content.inspect call (the DLP page's advice)" if service == "dlp" else ""
                commands.append(
                    f"gcloud beta services identity create --service={agents[service]['api']} --project={tp}{note}"
                )
            types = team_project_types(team)
            for member, kind in ((applier, "apply"), (planner, "plan")):
                for r in sorted(roles_for_types(types, kind)):
                    commands.append(
                        f"gcloud projects add-iam-policy-binding {tp} --member={member} --role={r} --condition=None"
                    )
        commands += ["```", ""]
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


def expected(docs: Path, config: Config) -> dict[Path, str]:
    from scripts.docs.blocks import fill

    doc = docs / "access.md"
    return {doc: fill(doc.read_text(), blocks(config), document="docs/access.md")}
