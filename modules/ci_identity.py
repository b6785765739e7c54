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
from config.ci_roles import roles_for_types, team_project_types
from config.model import GITHUB_ISSUER, Ci
from modules.principal import Principal
from modules.service_accounts import WORKLOAD_IDENTITY_USER

ATTRIBUTE_MAPPING = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.ref": "assertion.ref",
}


def stack_types(stack) -> set[str]:
    """Every resource and data-source type constructed in ``stack`` so far."""
    out = set()
    for node in stack.node.find_all():
        if isinstance(node, TerraformResource):
            out.add(node.terraform_resource_type)
        elif isinstance(node, TerraformDataSource):
            out.add("data." + node.terraform_resource_type)
    return out


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

    def add_project_roles(self, slug: str, project: str, types: Iterable[str]) -> dict[str, list[ProjectIamMember]]:
        """The applier's and the planner's roles on ``project``: exactly those the ``types`` there need."""
        out: dict[str, list[ProjectIamMember]] = {}
        for kind, account in (("apply", self.applier), ("plan", self.planner)):
            if account is None:
                continue
            who = "applier" if kind == "apply" else "planner"
            out[who] = [
                ProjectIamMember(
                    self,
                    f"{who}-{slug}-{role.rsplit('/', 1)[-1].replace('.', '-')}",
                    project=project,
                    role=role,
                    member=f"serviceAccount:{account.email}",
                )
                for role in sorted(roles_for_types(types, kind))
            ]
        return out

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
    """After the platform stack is complete: the CI roles on its own project (from the types it holds) and
    on every team project of ``env`` (from what each team file declares, ``team_project_types``)."""
    ci = getattr(platform_stack, "ci", None)
    if ci is None or ci.applier is None:
        return
    ci.add_project_roles("platform", platform_stack.project, stack_types(platform_stack))
    for team in config.teams:
        if env in team.environments:
            ci.add_project_roles(f"team-{team.name}", team.environments[env].project_id, team_project_types(team))
