"""Keyless CI: a workload identity pool trusting the CI system's OIDC tokens from one repository.

No service-account key exists anywhere: CI exchanges its OIDC token for short-lived credentials
of a service account. The provider's attribute condition admits only tokens minted for the
platform repository, so a fork or another repository gets nothing; each service account's
workload-identity binding then admits exactly the jobs that may act as it (the protected branch,
one GitHub environment, or pull requests).
"""

from __future__ import annotations

from collections.abc import Iterable

from cdktn import TerraformDataSource, TerraformOutput, TerraformResource
from cdktn_provider_google.iam_workload_identity_pool import IamWorkloadIdentityPool
from cdktn_provider_google.iam_workload_identity_pool_provider import IamWorkloadIdentityPoolProvider
from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from constructs import Construct

from config import names
from config.ci_roles import (
    ci_roles,
    conditioned_iam_admin,
    role_in_project,
    roles_for_types,
    team_project_types,
    types_by_project,
)
from config.model import GITHUB_ISSUER, Ci
from modules.dlp import PROFILES_DRIVER
from modules.principal import Principal
from modules.service_accounts import WORKLOAD_IDENTITY_USER
from modules.team_iam import team_project_roles

# https://cloud.google.com/iam/docs/setting-limits-on-granting-roles: the request's role changes, by role.
MODIFIED_GRANTS = "iam.googleapis.com/modifiedGrantsByRole"

ATTRIBUTE_MAPPING = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.ref": "assertion.ref",
}


def stack_types(stack) -> set[str]:
    """Every resource and data-source type constructed in ``stack`` so far."""
    return {tf_type for tf_type, _ in stack_elements(stack)}


def stack_elements(stack) -> list[tuple[str, dict]]:
    """(type, synthesized arguments) of every resource and data source constructed in ``stack`` so far
    (data sources as ``data.<type>``)."""
    out = []
    for node in stack.node.find_all():
        if isinstance(node, TerraformResource):
            block = node.to_terraform()["resource"][node.terraform_resource_type]
            out.append((node.terraform_resource_type, next(iter(block.values()))))
        elif isinstance(node, TerraformDataSource):
            block = node.to_terraform()["data"][node.terraform_resource_type]
            out.append(("data." + node.terraform_resource_type, next(iter(block.values()))))
    return out


def granted_only(roles: Iterable[str]) -> str:
    """The condition on the applier's Project IAM Admin: it may add or remove grants of these roles only."""
    listed = ", ".join(f"'{r}'" for r in sorted(set(roles)))
    return f"api.getAttribute('{MODIFIED_GRANTS}', []).hasOnly([{listed}])"


def github_subject(ci: Ci, kind: str, value: str = "") -> str:
    """GitHub's OIDC ``sub`` claim: ``repo:<repo>:environment:<env>`` for a job in a GitHub environment,
    ``repo:<repo>:pull_request`` for a pull-request run, ``repo:<repo>:ref:<ref>`` otherwise
    (docs.github.com, "About security hardening with OpenID Connect", example subject claims)."""
    return f"repo:{ci.repository}:{kind}" + (f":{value}" if value else "")


def attribute_condition(ci: Ci, env: str) -> str:
    """Which CI tokens this environment's pool accepts at all.

    Any CI system: only tokens minted for the platform repository. On GitHub (claims per
    docs.github.com, "OpenID Connect reference") exactly three kinds of job, each pinned by subject,
    event and (for plan and apply) the deploy workflow file, so no other workflow of the repository
    (a bot on `issue_comment`, `workflow_run`, `pull_request_target`, a schedule) gets a token:
    pushes to the protected branch (image and team deployers), the apply job in the GitHub
    environment named like this environment, on a push to the protected branch, and plan jobs in
    the environment ``<env>-plan`` (of pull requests, and of pushes before an apply is approved).
    """
    condition = f"assertion.repository == '{ci.repository}'"
    if ci.repository_id:
        condition += f" && assertion.repository_id == '{ci.repository_id}'"
    if ci.issuer_uri != GITHUB_ISSUER:
        return condition
    branch = f"refs/heads/{ci.branch}"
    workflow = f"assertion.workflow_ref.startsWith('{ci.repository}/{ci.workflow}@')"
    jobs = [
        f"assertion.sub == '{github_subject(ci, 'ref', branch)}' && assertion.event_name == 'push'",
        f"assertion.sub == '{github_subject(ci, 'environment', env)}' && assertion.ref == '{branch}' "
        f"&& assertion.event_name == 'push' && {workflow}",
        f"assertion.sub == '{github_subject(ci, 'environment', names.ci_plan_environment(env))}' && {workflow} "
        f"&& (assertion.event_name == 'pull_request' || (assertion.event_name == 'push' && assertion.ref == '{branch}'))",
    ]
    return "(" + " || ".join(f"({job})" for job in jobs) + f") && {condition}"


class CiIdentity(Construct):
    """The CI trust of one environment's platform project and the CI identities that use it.

    - ``deployer``: pushes serving images; impersonable from the protected branch.
    - ``applier`` (GitHub Actions): runs ``cdktn deploy`` for this environment; impersonable only by a job
      in the GitHub environment named like the platform environment (protect ``prod`` with reviewers).
    - ``planner`` (GitHub Actions): runs ``cdktn diff`` on pull requests; impersonable only by plan jobs
      in the GitHub environment ``<env>-plan`` (give `prod-plan` reviewers: a PR's code runs there).
    """

    def __init__(self, scope: Construct, id: str, *, ci: Ci, project: str, env: str):
        super().__init__(scope, id)
        self.ci = ci
        self.project = project
        self.pool = IamWorkloadIdentityPool(
            self,
            "pool",
            project=project,
            workload_identity_pool_id=names.CI_POOL,
            display_name="ModelOps CI",
            description="Short-lived credentials for the platform repository's CI; no keys.",
            # A deleted pool id stays reserved for 30 days: losing it would lock CI out of every deploy.
            deletion_policy="PREVENT",
        )
        self.provider = IamWorkloadIdentityPoolProvider(
            self,
            "provider",
            project=project,
            workload_identity_pool_id=self.pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=names.CI_PROVIDER,
            display_name="CI OIDC",
            attribute_mapping=ATTRIBUTE_MAPPING,
            attribute_condition=attribute_condition(ci, env),
            oidc={"issuer_uri": ci.issuer_uri},
            deletion_policy="PREVENT",
        )
        # What the deploy workflow's MODELOPS_WIF_PROVIDERS variable holds for this environment.
        TerraformOutput(
            self,
            "workload-identity-provider",
            value=self.provider.name,
            description="Set as MODELOPS_WIF_PROVIDERS[<env>] for .github/workflows/deploy.yml.",
        ).override_logical_id(names.CI_PROVIDER_OUTPUT)
        self.deployer = self._account(
            "deployer",
            names.CI_DEPLOYER,
            "platform CI deployer",
            "Pushes serving images; impersonated by CI on the protected branch.",
        )
        ServiceAccountIamMember(
            self,
            "deployer-federation",
            service_account_id=self.deployer.name,
            role=WORKLOAD_IDENTITY_USER,
            member=self.principal.member,
        )
        self.applier = self.planner = None
        if ci.issuer_uri == GITHUB_ISSUER:  # .github/workflows/deploy.yml; other CI systems bring their own
            self.applier = self._account(
                "applier",
                names.CI_APPLIER,
                f"platform CI applier ({env})",
                f"Applies the {env} stacks; only CI jobs in the GitHub environment '{env}'.",
            )
            ServiceAccountIamMember(
                self,
                "applier-federation",
                service_account_id=self.applier.name,
                role=WORKLOAD_IDENTITY_USER,
                member=self.subject_principal(github_subject(ci, "environment", env)),
            )
            self.planner = self._account(
                "planner",
                names.CI_PLANNER,
                f"platform CI planner ({env})",
                "Plans the stacks of pull requests (read-only).",
            )
            ServiceAccountIamMember(
                self,
                "planner-federation",
                service_account_id=self.planner.name,
                role=WORKLOAD_IDENTITY_USER,
                member=self.subject_principal(github_subject(ci, "environment", names.ci_plan_environment(env))),
            )

    def add_project_roles(
        self, slug: str, project: str, types: Iterable[str], granted: Iterable[str] = ()
    ) -> dict[str, list[ProjectIamMember]]:
        """The applier's and the planner's roles on ``project``: exactly those the ``types`` there need.

        The applier's Project IAM Admin carries the condition that it may modify grants of the ``granted`` roles
        only (every role the stacks grant in the project, these CI roles included, never Project IAM Admin)."""
        out: dict[str, list[ProjectIamMember]] = {}
        for kind, account in (("apply", self.applier), ("plan", self.planner)):
            if account is None:
                continue
            who = "applier" if kind == "apply" else "planner"
            out[who] = []
            for role in sorted(roles_for_types(types, kind)):
                condition = None
                if kind == "apply" and role == conditioned_iam_admin():
                    condition = {
                        "title": "modelops-granted-roles-only",
                        "description": "Grant or revoke only the roles the ModelOps stacks grant in this project.",
                        "expression": granted_only(set(granted) - {conditioned_iam_admin()}),
                    }
                out[who].append(
                    ProjectIamMember(
                        self,
                        f"{who}-{slug}-{role.rsplit('/', 1)[-1].replace('.', '-').replace(':', '-')}",
                        project=project,
                        role=role_in_project(role, project),
                        member=f"serviceAccount:{account.email}",
                        condition=condition,
                    )
                )
        return out

    def let_applier_act_as(self, service_account_id: str, *, id: str) -> ServiceAccountIamMember | None:
        """The applier may act as this one account (a type it applies runs as it), not as the project's others.
        ``id``: the grant's construct id (``applier-act-as-<id>``)."""
        if self.applier is None:
            return None
        return ServiceAccountIamMember(
            self,
            f"applier-act-as-{id}",
            service_account_id=service_account_id,
            role=ci_roles()["act_as_role"],
            member=f"serviceAccount:{self.applier.email}",
        )

    def _account(self, id: str, account_id: str, display_name: str, description: str) -> ServiceAccount:
        return ServiceAccount(
            self,
            id,
            project=self.project,
            account_id=account_id,
            display_name=display_name,
            description=description,
            deletion_policy="PREVENT",
        )

    @property
    def principal_set(self) -> str:
        """CI runs of pushes to the protected branch outside any GitHub environment (on GitHub exactly that
        subject, so the plan and apply jobs, which also run on the branch, do not get it); other CI
        systems: every token for the branch (the provider's condition pins the repository)."""
        if self.ci.issuer_uri == GITHUB_ISSUER:
            return self.subject_principal(github_subject(self.ci, "ref", f"refs/heads/{self.ci.branch}"))
        return f"principalSet://iam.googleapis.com/{self.pool.name}/attribute.ref/refs/heads/{self.ci.branch}"

    def subject_principal(self, subject: str) -> str:
        """Exactly one OIDC subject (``google.subject`` is mapped from ``assertion.sub``)."""
        return f"principal://iam.googleapis.com/{self.pool.name}/subject/{subject}"

    @property
    def principal(self) -> Principal:
        """CI on the protected branch (``principal_set``), for grants that let it act as a service account."""
        return Principal(self.principal_set, "ci")


def grant_ci_roles(platform_stack, config, env: str) -> None:
    """After the platform stack is complete: the CI roles on its own project and on every team project of ``env``.

    A project's types are those the platform stack applies or reads there (data sources included, and the projects
    a type's `also_on` argument names, such as the team project a metrics scope links) plus, for a team project,
    what its team file declares (``team_project_types``). The applier's Project IAM Admin is limited to the roles
    granted in the project: the platform stack's grants there, these CI roles, and the team stack's
    (``team_project_roles``)."""
    ci = getattr(platform_stack, "ci", None)
    if ci is None or ci.applier is None:
        return
    platform_project = platform_stack.project
    elements = stack_elements(platform_stack)
    types = types_by_project(elements, platform_project)
    teams = [t for t in config.teams if env in t.environments]
    team_types = {
        t.environments[env].project_id: team_project_types(t) | types.get(t.environments[env].project_id, set())
        for t in teams
    }
    team_roles: dict[str, set[str]] = {}
    for team in teams:
        for project, roles in team_project_roles(
            team, env, platform_project, config.platform.is_production(env)
        ).items():
            team_roles.setdefault(project, set()).update(roles)
        # The team stack's other project grant: the DLP agent profiles the project (modules/dlp.py).
        team_roles.setdefault(team.environments[env].project_id, set()).add(PROFILES_DRIVER)

    def granted(project: str, project_types: set[str]) -> set[str]:
        roles = {
            str(conf.get("role"))
            for tf_type, conf in elements
            if tf_type == "google_project_iam_member" and conf.get("project") == project
        }
        for kind in ("apply", "plan"):
            roles |= {role_in_project(r, project) for r in roles_for_types(project_types, kind)}
        return roles | team_roles.get(project, set())

    ci.add_project_roles(
        "platform", platform_project, types[platform_project], granted(platform_project, types[platform_project])
    )
    for team in teams:
        project = team.environments[env].project_id
        ci.add_project_roles(f"team-{team.name}", project, team_types[project], granted(project, team_types[project]))
    if "google_container_cluster" in types[platform_project]:
        # Autopilot nodes run as the Compute Engine default account (the cluster names none).
        number = platform_stack.agent_keys.project.number
        ci.let_applier_act_as(
            f"projects/{platform_project}/serviceAccounts/{names.compute_default_account(number)}", id="gke-nodes"
        )
