"""Who can act as which CI identity: the synthesized pool condition evaluated as CEL on GitHub's OIDC claims.

Claims follow docs.github.com ("OpenID Connect reference"): `sub` is `repo:<repo>:environment:<env>` for a
job in a GitHub environment, `repo:<repo>:pull_request` for pull-request events without one, and
`repo:<repo>:ref:<ref>` otherwise; `event_name`, `ref`, `workflow_ref` and `repository(_id)` as sent.
Workload identity federation maps `google.subject` from `assertion.sub` and `attribute.ref` from
`assertion.ref` (the provider's attribute_mapping), then IAM matches `principal://.../subject/<sub>` and
`principalSet://.../attribute.ref/<ref>` members.
"""

from __future__ import annotations

import celpy
import pytest

from tests.helpers import resources

REPO = "orbit/mlops-platform"
DEPLOY = f"{REPO}/.github/workflows/deploy.yml@"


def claims(sub: str, event: str, ref: str, workflow: str = "deploy.yml", repository: str = REPO) -> dict:
    return {
        "sub": f"repo:{repository}:{sub}",
        "event_name": event,
        "ref": ref,
        "repository": repository,
        "repository_id": "4242",
        "workflow_ref": f"{repository}/.github/workflows/{workflow}@{ref}",
    }


def who_may_act(stack: dict, token: dict) -> set[str]:
    """The service accounts (logical construct path) this token may impersonate; empty when the pool refuses it."""
    (provider,) = resources(stack, "google_iam_workload_identity_pool_provider").values()
    env = celpy.Environment()
    accepted = env.program(env.compile(provider["attribute_condition"])).evaluate(
        {"assertion": celpy.json_to_cel(token)}
    )
    if not accepted:
        return set()
    mapped = {"google.subject": token["sub"], "attribute.ref": token["ref"]}
    assert provider["attribute_mapping"]["google.subject"] == "assertion.sub"
    assert provider["attribute_mapping"]["attribute.ref"] == "assertion.ref"
    out = set()
    for path, binding in resources(stack, "google_service_account_iam_member").items():
        member = binding["member"]
        if binding["role"] != "roles/iam.workloadIdentityUser" or (
            "workloadIdentityPools" not in member and "google_iam_workload_identity_pool." not in member
        ):
            continue
        kind, _, value = member.split("}/", 1)[1].partition("/")
        if (kind == "subject" and value == mapped["google.subject"]) or (
            kind == "attribute.ref" and value == mapped["attribute.ref"]
        ):
            out.add(path.split("/")[-1].removesuffix("-federation"))
    return out


MAIN = "refs/heads/main"
CASES = [
    # (what, token, env of the pool, expected identities)
    ("apply job on a push to main", claims("environment:prod", "push", MAIN), "prod", {"applier"}),
    (
        "plan job of a pull request",
        claims("environment:prod-plan", "pull_request", "refs/pull/7/merge"),
        "prod",
        {"planner"},
    ),
    ("prod plan before the approval, on a push", claims("environment:prod-plan", "push", MAIN), "prod", {"planner"}),
    (
        "a push to main outside any environment",
        claims(f"ref:{MAIN}", "push", MAIN, "release.yml"),
        "prod",
        {"deployer"},
    ),
    (
        "the prod environment from a feature branch",
        claims("environment:prod", "workflow_dispatch", "refs/heads/x"),
        "prod",
        set(),
    ),
    (
        "the prod environment from a pull request",
        claims("environment:prod", "pull_request", "refs/pull/7/merge"),
        "prod",
        set(),
    ),
    ("another workflow in the prod environment", claims("environment:prod", "push", MAIN, "bot.yml"), "prod", set()),
    (
        "a plan from another workflow file",
        claims("environment:prod-plan", "pull_request", "refs/pull/7/merge", "other.yml"),
        "prod",
        set(),
    ),
    ("a bot on issue comments, on main", claims(f"ref:{MAIN}", "issue_comment", MAIN, "bot.yml"), "prod", set()),
    ("pull_request_target on main", claims(f"ref:{MAIN}", "pull_request_target", MAIN), "prod", set()),
    (
        "a pull request without the plan environment",
        claims("pull_request", "pull_request", "refs/pull/7/merge"),
        "prod",
        set(),
    ),
    ("dev's apply job at prod's pool", claims("environment:dev", "push", MAIN), "prod", set()),
    ("another repository", claims("environment:prod", "push", MAIN, repository="evil/mlops-platform"), "prod", set()),
]


@pytest.mark.parametrize("what,token,env,expected", CASES, ids=[c[0] for c in CASES])
def test_each_ci_token_may_act_as_exactly_the_identities_its_job_needs(org_stacks, what, token, env, expected):
    assert who_may_act(org_stacks[f"platform-{env}"], token) == expected


def test_a_pinned_repository_id_refuses_a_re_registered_repository_name(org_copy):
    from config.loader import load_config
    from modules.ci_identity import attribute_condition

    platform = org_copy / "platform.yaml"
    platform.write_text(platform.read_text().replace("  branch: main\n", '  branch: main\n  repository_id: "4242"\n'))
    ci = load_config(org_copy).platform.ci
    env = celpy.Environment()
    program = env.program(env.compile(attribute_condition(ci, "prod")))
    token = claims("environment:prod", "push", MAIN)
    assert program.evaluate({"assertion": celpy.json_to_cel(token)})
    assert not program.evaluate({"assertion": celpy.json_to_cel({**token, "repository_id": "999"})})
