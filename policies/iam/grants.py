"""Every grant in the synthesized stacks, as (who, on what, role), in the contract's vocabulary.

Members and targets in cdk.tf.json are often references (`${google_service_account.x.email}`,
`service-${data.google_project.y.number}@gcp-sa-aiplatform...`); they are resolved through the
resource they name in the same stack, so a grant reads like the contract: `sa:deployer` on
`serving_sa` with `roles/iam.serviceAccountUser`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from config import names
from config.ci_roles import PROJECT_ROLE
from config.model import Config, Team
from policies.engine.stackset import Resource, StackDoc

REF = re.compile(r"\$\{((?:data\.)?[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.")
AGENT_DOMAINS = {domain: service for service, domain in names.SERVICE_AGENT_DOMAINS.items()}
IAM_TYPES = (
    "google_project_iam_member",
    "google_bigquery_dataset_iam_member",
    "google_bigquery_table_iam_member",
    "google_data_catalog_policy_tag_iam_member",
    "google_service_account_iam_member",
    "google_artifact_registry_repository_iam_member",
    "google_kms_crypto_key_iam_member",
    "google_gke_hub_scope_iam_member",
    "google_pubsub_subscription_iam_member",
    "google_pubsub_topic_iam_member",
)
RBAC_TYPE = "google_gke_hub_scope_rbac_role_binding"
COMPUTE_DEFAULT_DOMAIN = "developer.gserviceaccount.com"


@dataclass(frozen=True)
class Grant:
    member: str  # contract member key: group:admins, sa:deployer, agent:vertex@team, ci:applier, ...
    team: str | None  # whose grant (None: the platform's own)
    target: str  # contract target: team_project, key:vertex, table:prediction_history, ...
    role: str  # roles/..., custom:<id>, or a fleet RBAC role (ADMIN, VIEW, ...)
    stack: str
    address: str
    construct_path: str


class Resolver:
    """Resolves references within one stack, with the config to name projects, groups and accounts."""

    def __init__(self, config: Config, stack: StackDoc, env: str):
        self.config, self.stack, self.env = config, stack, env
        self.platform_project = config.platform.environments[env].project_id
        self.team_projects = {t.environments[env].project_id: t for t in config.teams if env in t.environments}
        self.index: dict[tuple[str, str], dict] = {}
        for tf_type, items in (stack.doc.get("resource") or {}).items():
            for lid, conf in items.items():
                self.index[(tf_type, lid)] = conf
        for tf_type, items in (stack.doc.get("data") or {}).items():
            for lid, conf in items.items():
                self.index[("data." + tf_type, lid)] = conf

    def referenced(self, value: str) -> tuple[str, dict] | None:
        match = REF.search(value or "")
        if not match:
            return None
        conf = self.index.get((match.group(1), match.group(2)))
        return (match.group(1), conf) if conf is not None else None

    def team_of(self, resource: Resource) -> Team | None:
        if self.stack.team:
            return self.config.team(self.stack.team)
        path = resource.construct_path.split("/")
        if len(path) > 1 and path[1].startswith("team-"):
            return self.config.team(path[1].removeprefix("team-"))
        return None

    def project_kind(self, project: str | None) -> str | None:
        if project == self.platform_project:
            return "platform"
        return "team" if project in self.team_projects else None

    # --- members ---------------------------------------------------------------------------

    def member(self, value: str, team: Team | None) -> str:
        if value.startswith("group:"):
            email = value.removeprefix("group:")
            if team is not None:
                for kind, group in team.groups.items():
                    if group == email:
                        return f"group:{kind}"
            return f"unknown:{value}"
        if value.startswith("principalSet://") and "/attribute.ref/" in value:
            return "federation:branch"
        if value.startswith("principal://") and "/subject/" in value:
            # GitHub subjects (modules/ci_identity.py): repo:<r>:ref:<branch> | environment:<env>[-plan]
            subject = value.rsplit("/subject/", 1)[1]
            if ":ref:" in subject:
                return "federation:branch"
            if ":environment:" in subject:
                plan = subject.endswith(names.CI_PLAN_ENVIRONMENT_SUFFIX)
                return "federation:plan_environment" if plan else "federation:environment"
            return f"unknown:{value}"
        if ".svc.id.goog[" in value:
            ksa = value.split("[", 1)[1].rstrip("]").split("/")[1]
            return (
                "ksa:serving"
                if team is not None and ksa == names.kubernetes_service_account(team.name)
                else f"unknown:{value}"
            )
        ref = self.referenced(value)
        if ref is not None:
            tf_type, conf = ref
            if tf_type == "google_service_account":
                return self._account(conf.get("account_id", ""), team)
            if tf_type == "google_logging_project_sink":  # writer identity = the project's Logging agent
                return f"agent:logging@{self.project_kind(conf.get('project'))}"
            if tf_type == "data.google_bigquery_default_service_account":
                return f"agent:bigquery@{self.project_kind(conf.get('project'))}"
            if tf_type == "data.google_logging_project_settings":
                return f"agent:logging@{self.project_kind(conf.get('project'))}"
            if tf_type == "data.google_project":
                domain = value.rsplit("@", 1)[-1]
                service = AGENT_DOMAINS.get(domain)
                return f"agent:{service}@{self.project_kind(conf.get('project_id'))}" if service else f"unknown:{value}"
        if value.startswith("serviceAccount:"):
            email = value.removeprefix("serviceAccount:")
            return self._account(email.split("@", 1)[0], team)
        if value.startswith("user:") and team is not None and any(g.member == value for g in team.access.grants):
            return f"standing:{value}"  # a declared standing grant (access.grants): the catalogue says its roles
        return f"unknown:{value}"

    def _account(self, account_id: str, team: Team | None) -> str:
        for kind, ci_id in (
            ("deployer", names.CI_DEPLOYER),
            ("applier", names.CI_APPLIER),
            ("planner", names.CI_PLANNER),
        ):
            if account_id == ci_id:
                return f"ci:{kind}"
        if account_id == names.SCORECARD_ACCOUNT:
            return "job:scorecard"  # the platform's scorecard workflow (modules/scorecard/job.py)
        if team is not None:
            for kind in names.TEAM_SERVICE_ACCOUNTS:
                if account_id == names.service_account_id(team.name, kind):
                    return f"sa:{kind}"
        return f"unknown:serviceAccount:{account_id}"

    # --- targets ---------------------------------------------------------------------------

    def target(self, resource: Resource, team: Team | None) -> str:
        conf, tf_type = resource.conf, resource.type
        if tf_type == "google_project_iam_member":
            kind = self.project_kind(conf.get("project"))
            return f"{kind}_project" if kind else f"project:{conf.get('project')}"
        if tf_type == "google_bigquery_dataset_iam_member":
            dataset = conf.get("dataset_id")
            ref = self.referenced(str(dataset))
            if ref is not None:
                dataset = ref[1].get("dataset_id")
            if dataset == names.governance_dataset_id(self.config.platform.name):
                return "governance_dataset"
            if team is not None and dataset == names.metadata_dataset_id(team.name):
                return "metadata_dataset"
            return f"dataset:{dataset}"
        if tf_type == "google_bigquery_table_iam_member":
            ref = self.referenced(conf.get("table_id", ""))
            return f"table:{ref[1].get('table_id') if ref else conf.get('table_id')}"
        if tf_type == "google_data_catalog_policy_tag_iam_member":
            return "pii_tag"
        if tf_type == "google_service_account_iam_member":
            if str(conf.get("service_account_id", "")).endswith(f"-compute@{COMPUTE_DEFAULT_DOMAIN}"):
                return "node_sa"  # the Compute Engine default account GKE Autopilot nodes run as
            ref = self.referenced(conf.get("service_account_id", ""))
            account = self._account(ref[1].get("account_id", ""), team) if ref else "unknown"
            return {
                "sa:serving": "serving_sa",
                "sa:deployer": "deployer_sa",
                "sa:pipeline": "pipeline_sa",
                "ci:deployer": "ci_deployer_sa",
                "ci:applier": "ci_applier_sa",
                "ci:planner": "ci_planner_sa",
                "job:scorecard": "scorecard_sa",
            }.get(account, f"service_account:{account}")
        if tf_type == "google_artifact_registry_repository_iam_member":
            return (
                "image_repository"
                if conf.get("repository") == names.ARTIFACT_REPOSITORY
                else f"repository:{conf.get('repository')}"
            )
        if tf_type == "google_kms_crypto_key_iam_member":
            ref = self.referenced(conf.get("crypto_key_id", ""))
            return f"key:{ref[1].get('name')}" if ref else f"key:{conf.get('crypto_key_id')}"
        if tf_type == "google_gke_hub_scope_iam_member":
            return "fleet_scope"
        if tf_type == "google_pubsub_subscription_iam_member":
            return "scoring_subscription:" + str(self._named(conf.get("subscription", "")))
        if tf_type == "google_pubsub_topic_iam_member":
            return "topic:" + str(self._named(conf.get("topic", "")))
        if tf_type == RBAC_TYPE:
            return "namespace"
        return f"{tf_type}:{resource.name}"

    def _named(self, value: str) -> str:
        ref = self.referenced(value)
        return ref[1].get("name", value) if ref else value


def stack_grants(config: Config, stack: StackDoc, env: str) -> Iterator[Grant]:
    """Every IAM member and fleet RBAC binding of one stack."""
    resolver = Resolver(config, stack, env)
    for resource in stack.resources(*IAM_TYPES, RBAC_TYPE):
        team = resolver.team_of(resource)
        conf = resource.conf
        if resource.type == RBAC_TYPE:
            member = resolver.member(
                f"group:{conf['group']}" if conf.get("group") else f"user:{conf.get('user')}", team
            )
            role = (conf.get("role") or {}).get(
                "predefined_role"
            ) or f"custom_role:{(conf.get('role') or {}).get('custom_role')}"
        else:
            member = resolver.member(str(conf.get("member", "")), team)
            role = str(conf.get("role", ""))
            ref = resolver.referenced(role)
            if ref is not None and ref[0] == "google_project_iam_custom_role":
                role = "custom:" + ref[1].get("role_id", "")
            elif PROJECT_ROLE.match(role):  # a custom role granted by name (created at bootstrap)
                role = "custom:" + PROJECT_ROLE.match(role).group(2)  # type: ignore[union-attr]
        yield Grant(
            member,
            team.name if team else None,
            resolver.target(resource, team),
            role,
            stack.name,
            resource.address,
            resource.construct_path,
        )


def custom_roles(stack: StackDoc) -> dict[str, tuple[Resource, frozenset[str]]]:
    """role id -> (resource, permissions) of the custom roles a stack defines."""
    return {
        str(r.conf.get("role_id")): (r, frozenset(r.conf.get("permissions") or ()))
        for r in stack.resources("google_project_iam_custom_role")
    }


def resource_project(resolver: Resolver, resource: Resource) -> str | None:
    """The project a resource (or data source) lives in: its project/project_id/parent, else the stack's."""
    conf = resource.conf
    for key in ("project", "project_id"):
        value = conf.get(key)
        if isinstance(value, str) and value and "${" not in value:
            return value
    parent = conf.get("parent")
    if isinstance(parent, str) and parent.startswith("projects/") and "${" not in parent:
        return parent.split("/")[1]
    return resolver.stack.project
