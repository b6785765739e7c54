"""The permission contract against the synthesized example, in both directions.

Sufficiency: every job step's grant is made, on the right resource, with a role that holds the step's
permissions; removing any one grant breaks it. Least privilege: nothing beyond the steps; adding a
broader role, a broader custom role or a CI role no resource type needs breaks it.
"""

from __future__ import annotations

import copy
import re
from collections import Counter

import pytest

from config import names
from config.ci_roles import roles_for_types, team_project_types, unchecked_types
from policies.engine.stackset import StackDoc, load_stacks
from policies.iam import contract
from policies.iam.grants import RBAC_TYPE, stack_grants


@pytest.fixture(scope="module")
def docs(org_config, org_synth_dir):
    return load_stacks(org_config, org_synth_dir)


def fresh(docs, mutate=None):
    """New StackDocs over deep copies of the documents of one env's stacks (cheap enough per mutation)."""
    out = [StackDoc(d.name, d.file, copy.deepcopy(d.doc), d.team, d.env) for d in docs]
    if mutate:
        mutate({d.name: d.doc for d in out})
    return out


def failures(org_config, stacks):
    return [v for v in contract.evaluate(org_config, stacks) if not v.passed]


def condition_finding(verdict) -> bool:
    """The applier's Project IAM Admin condition lists exactly the roles granted in a project: adding or removing a
    grant of a role makes that condition a finding as well."""
    return "projectIamAdmin" in verdict.address and "condition" in verdict.message


def test_the_example_honours_the_contract(org_config, docs):
    verdicts = contract.evaluate(org_config, docs)
    assert [v.message for v in verdicts if not v.passed] == []
    # It checked something real: grants of every kind of identity, both directions, the CI roles.
    messages = {v.address.split(".")[0] for v in verdicts}
    assert {
        "google_project_iam_member",
        "google_bigquery_table_iam_member",
        "google_kms_crypto_key_iam_member",
        "google_service_account_iam_member",
        "google_gke_hub_scope_rbac_role_binding",
        "google_project_iam_custom_role",
    } <= messages
    assert len(verdicts) > 500


def test_every_grant_is_the_only_one_serving_its_step(org_config, docs):
    """So removing any one grant leaves a step uncovered (checked exhaustively and cheaply here; end to end
    for one grant of every kind below)."""
    for env in ("dev", "prod"):
        env_docs = [d for d in docs if d.env == env]
        expected = contract.expected_grants(org_config, env, {d.team: d for d in env_docs if d.team})
        counts = Counter(
            (g.member, g.team, g.target, g.role) for d in env_docs for g in stack_grants(org_config, d, env)
        )
        for key in expected:
            assert counts[key] == 1, (env, key, counts[key])


def _representatives(org_config, docs):
    """One grant (stack, type, logical id) per (member, target kind, role) in prod; a person's standing grant is
    the team file's decision, not a job's need (tests/test_access_stack.py checks it is synthesized as declared)."""
    seen, out = set(), []
    for d in docs:
        if d.env != "prod":
            continue
        for g in stack_grants(org_config, d, "prod"):
            if g.member.startswith("standing:"):
                continue
            kind = (g.member, g.target.split(":")[0], g.role)
            if kind not in seen:
                seen.add(kind)
                out.append((d.name, g.address))
    return out


def test_removing_any_kind_of_grant_is_a_finding(org_config, docs):
    prod = [d for d in docs if d.env == "prod"]
    reps = _representatives(org_config, docs)
    assert len(reps) > 40
    for stack_name, address in reps:
        tf_type, logical_id = address.split(".", 1)

        def remove(by_name, tf_type=tf_type, logical_id=logical_id, stack_name=stack_name):
            del by_name[stack_name]["resource"][tf_type][logical_id]

        found = failures(org_config, fresh(prod, remove))
        assert any(v.address.startswith("missing.") for v in found), (stack_name, address)


@pytest.mark.parametrize(
    "what",
    [
        "deployer-logwriter",
        "deployer-channel-viewer",
        "dlp-fine-grained-reader",
        "vertex-agent-images",
        "admins-act-as-serving",
        "viewers-scorecard-reader",
        "scorecard-metric-writer",
    ],
)
def test_the_issue_15_grants_are_required(org_config, docs, what):
    """The grants whose absence broke the platform after apply (issue 15 items 1-5) are findings when missing."""
    prod = [d for d in docs if d.env == "prod"]
    match = {
        "deployer-logwriter": lambda t, c: (
            t == "google_project_iam_member" and c["role"] == "roles/logging.logWriter" and "deployer" in c["member"]
        ),
        "deployer-channel-viewer": lambda t, c: c.get("role") == "roles/monitoring.notificationChannelViewer",
        "dlp-fine-grained-reader": lambda t, c: (
            t == "google_data_catalog_policy_tag_iam_member" and "dlp-api" in c["member"]
        ),
        "vertex-agent-images": lambda t, c: (
            t == "google_artifact_registry_repository_iam_member" and "gcp-sa-aiplatform" in c["member"]
        ),
        "admins-act-as-serving": lambda t, c: (
            t == "google_service_account_iam_member" and c["member"].endswith("-admins@orbit.example")
        ),
        # issue 16: modelops report --team as a viewer; the scorecard workflow's metric points
        "viewers-scorecard-reader": lambda t, c: (
            t == "google_bigquery_table_iam_member"
            and c["member"].endswith("-viewers@orbit.example")
            and "scorecard" in c["table_id"]
        ),
        "scorecard-metric-writer": lambda t, c: (
            c.get("role") == "roles/monitoring.metricWriter" and "scorecard" in c["member"]
        ),
    }[what]

    def remove(by_name):
        for doc in by_name.values():
            for tf_type, items in doc["resource"].items():
                for lid in [lid for lid, conf in items.items() if match(tf_type, conf)]:
                    del items[lid]

    found = [v for v in failures(org_config, fresh(prod, remove)) if not condition_finding(v)]
    assert found and all(v.address.startswith("missing.") for v in found), found


def test_a_broader_predefined_role_is_a_finding(org_config, docs):
    prod = [d for d in docs if d.env == "prod"]

    def add(by_name):
        stack = by_name["team-ledger-prod"]
        deployer = next(c for c in stack["resource"]["google_project_iam_member"].values() if "deployer" in c["member"])
        stack["resource"]["google_project_iam_member"]["extra"] = {
            **deployer,
            "role": "roles/aiplatform.admin",
            "//": {"metadata": {"path": "team-ledger-prod/iam/extra"}},
        }

    found = failures(org_config, fresh(prod, add))
    assert [v.address for v in found if not condition_finding(v)] == ["google_project_iam_member.extra"]
    assert "roles/aiplatform.admin" in found[0].message
    # and the applier may not grant it: the condition of its Project IAM Admin on that project does not list it
    [condition] = [v for v in found if condition_finding(v)]
    assert "does not allow ['roles/aiplatform.admin']" in condition.message


def test_a_dataset_wide_read_for_people_is_a_finding(org_config, docs):
    """Viewers reading the dataset would read Vertex AI's untagged request logs (issue 15 item 6)."""
    prod = [d for d in docs if d.env == "prod"]

    def add(by_name):
        grants = by_name["team-reach-prod"]["resource"]["google_bigquery_dataset_iam_member"]
        readers = next(c for c in grants.values() if c["member"].endswith("-pii-readers@orbit.example"))
        grants["viewers-dataset"] = {
            **readers,
            "member": "group:reach-viewers@orbit.example",
            "//": {"metadata": {"path": "team-reach-prod/metadata/viewers-dataset"}},
        }

    found = failures(org_config, fresh(prod, add))
    assert [v.yaml_path for v in found] == [("groups", "viewers")]


def test_developers_with_edit_in_the_namespace_is_a_finding(org_config, docs):
    """EDIT creates pods, which may run as <team>-serving (issue 15 item 6)."""
    prod = [d for d in docs if d.env == "prod"]

    def widen(by_name):
        for conf in by_name["platform-prod"]["resource"][RBAC_TYPE].values():
            if conf.get("group") == "ledger-developers@orbit.example":
                conf["role"] = {"predefined_role": "EDIT"}

    found = failures(org_config, fresh(prod, widen))
    assert len(found) == 2  # the EDIT binding is not in the contract, and the VIEW binding is missing
    assert {v.yaml_path for v in found} == {("groups", "developers")}


def test_a_custom_role_with_one_permission_more_is_a_finding(org_config, docs):
    prod = [d for d in docs if d.env == "prod"]

    def widen(by_name):
        for conf in by_name["team-scout-prod"]["resource"]["google_project_iam_custom_role"].values():
            if conf["role_id"] == names.MODEL_DEPLOYER_ROLE:
                conf["permissions"] = sorted(conf["permissions"] + ["aiplatform.models.delete"])

    found = failures(org_config, fresh(prod, widen))
    assert len(found) == 1 and "aiplatform.models.delete" in found[0].message


def test_a_ci_role_no_resource_type_needs_is_a_finding(org_config, docs):
    prod = [d for d in docs if d.env == "prod"]

    def add(by_name):
        grants = by_name["platform-prod"]["resource"]["google_project_iam_member"]
        applier = next(
            c for c in grants.values() if "ci_applier" in c["member"] and c["project"] == "orbit-ledger-prod"
        )
        grants["ci-extra"] = {
            **applier,
            "role": "roles/pubsub.admin",
            "//": {"metadata": {"path": "platform-prod/ci/ci-extra"}},
        }

    found = [v for v in failures(org_config, fresh(prod, add)) if not condition_finding(v)]
    assert len(found) == 1 and "roles/pubsub.admin" in found[0].message and "orbit-ledger-prod" in found[0].message


def test_every_step_role_holds_the_step_permissions_per_googles_mapping():
    problems = [message for *_, ok, message in contract.role_coverage() if not ok]
    assert problems == []


def test_custom_roles_are_exactly_the_union_of_their_steps():
    from modules.team_iam import CUSTOM_ROLES

    wanted = contract.custom_role_permissions()
    assert {k: frozenset(v[2]) for k, v in CUSTOM_ROLES.items()} == wanted


def test_every_predefined_role_the_stacks_grant_is_in_googles_data(org_config, docs):
    pinned = contract.predefined_roles()
    granted = {g.role for d in docs for g in stack_grants(org_config, d, d.env) if g.role.startswith("roles/")}
    assert granted and granted - set(pinned) == set()
    # Each CI type's deciding permission is in its roles' listings (issue 15 review, item 2), each data source's
    # REST method checks exactly it, and every denied permission exists.
    assert contract.ci_entry_problems() == []


def test_contract_steps_have_exactly_the_documented_fields_and_cited_sources():
    data = contract.contract()
    for name, identity in data["identities"].items():
        assert identity["duties"] and identity["member"].split(":")[0] in (
            "group",
            "sa",
            "agent",
            "ci",
            "ksa",
            "federation",
            "job",  # a platform job's own account (modules/scorecard/job.py)
        ), name
        for step in identity["steps"]:
            assert set(step) <= {"step", "permissions", "target", "role", "source", "when", "note", "calls"}, (
                name,
                step,
            )
            assert step["source"] in data["sources"], (name, step)
            assert data["sources"][step["source"]].startswith("https://"), step


@pytest.mark.parametrize("stack_name", ["team-ledger-prod", "team-reach-dev", "team-scout-prod"])
def test_team_type_table_matches_the_synthesized_team_stacks(org_config, docs, stack_name):
    """config/data/ci_roles.yaml `team_stack_types`, from which the platform stack grants CI roles on team
    projects before those stacks exist, is what the team stacks contain."""
    doc = next(d for d in docs if d.name == stack_name)
    team = org_config.team(doc.team)
    synthesized = set(doc.doc["resource"]) | {"data." + t for t in doc.doc.get("data", {})}
    assert synthesized - unchecked_types() == team_project_types(team)


def test_a_team_stack_writes_in_the_platform_project_only_its_deployers_audit_log_grant(org_config, docs):
    """Every resource of a team stack is in the team project but one: the deployer's logWriter on the platform
    project (its account exists only once the team stack ran, so the platform stack cannot grant it)."""
    from policies.iam.grants import Resolver, resource_project

    for d in docs:
        if not d.team:
            continue
        resolver = Resolver(org_config, d, d.env)
        outside = [r for r in d.resources() if resource_project(resolver, r) != d.project]
        platform = org_config.platform.environments[d.env].project_id
        assert [(r.type, r.conf["role"], resource_project(resolver, r)) for r in outside] == [
            ("google_project_iam_member", "roles/logging.logWriter", platform)
        ], d.name
        assert "deployer" in outside[0].conf["member"]


WRITE_VERBS = re.compile(
    r"\.(create\w*|update\w*|delete\w*|set\w*|patch|undelete|destroy|restore|upload\w*|deploy|undeploy|actAs|"
    r"getAccessToken|signBlob|signJwt|link|use\w*|cancel|run|invoke|publish|attach|getData|export)$"
)
# What the planner may do beyond reading metadata, each with why (checked against Google's role listings).
PLANNER_MAY = {
    "bigquery.jobs.create": "projects.getServiceAccount (the BigQuery agent lookup) checks it; the planner reads no "
    "table data, so a query job it starts reads nothing",
    "logging.queries.usePrivate": "Logs Viewer: use the saved queries of the Logs Explorer",
    "aiplatform.specialistPools.update": "in Google's listing of Vertex AI Viewer itself; the platform uses no "
    "specialist (data-labeling) pools",
}


def test_the_planner_holds_no_write_beyond_the_documented_ones(org_config, docs):
    """Per Google's listings of every role the planner holds (issue 15 review, item 2: the planner must read
    what plan reads, nothing that writes)."""
    from config.ci_roles import reader_permissions
    from policies.iam import google_iam

    held = {
        g.role
        for d in docs
        for g in stack_grants(org_config, d, d.env)
        if g.member == "ci:planner" and g.target != "namespace"  # Kubernetes RBAC: VIEW (test_gke_serving.py)
    }
    assert held
    permissions: set[str] = set()
    for role in held:
        permissions |= reader_permissions() if role.startswith("custom:") else google_iam.role_permissions(role)
    assert {p for p in permissions if WRITE_VERBS.search(p)} - set(PLANNER_MAY) == set()


def test_unknown_resource_types_must_be_added_to_the_ci_table():
    with pytest.raises(ValueError, match="google_spanner_instance"):
        roles_for_types({"google_spanner_instance"}, "apply")


def test_the_gate_reports_contract_findings_at_the_group_line(tmp_path, org_config):
    """MLOPS_IAM_7 through the gate: a developer role in production points at the team file's groups.developers."""
    import json

    from config.yaml_source import load
    from policies.engine.gate import run_gate
    from tests.policies.conftest import stack_doc, write_synth_dir

    bad = {
        "type": "google_project_iam_member",
        "path": "iam/developers-aiplatform-user",
        "conf": {
            "project": "orbit-ledger-prod",
            "role": "roles/aiplatform.user",
            "member": "group:ledger-developers@orbit.example",
        },
    }
    root = write_synth_dir(tmp_path, {"team-ledger-prod": stack_doc("team-ledger-prod", "orbit-ledger-prod", [bad])})
    result = run_gate(org_config, root)
    [finding] = [f for f in result.findings if f.rule == "MLOPS_IAM_7"]
    doc, _ = load(org_config.team("ledger").source.file)
    assert finding.line == doc.line(("groups", "developers"))
    assert json.dumps(finding.message).count("roles/aiplatform.user") == 1


def test_every_service_agent_a_grant_names_has_a_documented_way_to_exist(org_config, org_stacks, docs):
    """A grant to an agent that does not exist fails at apply (issue 15, item 9): each agent the stacks name
    is either created at bootstrap (docs/access.md) or read through a data source first."""
    agents = contract.contract()["service_agents"]
    named = {
        g.member.split(":", 1)[1].split("@")[0]
        for d in docs
        for g in stack_grants(org_config, d, d.env)
        if g.member.startswith("agent:")
    }
    assert named and named <= set(agents), named - set(agents)
    from scripts.docs.access import bootstrap_commands

    access = "\n".join(bootstrap_commands(org_config, org_stacks))  # what docs/access.md shows for this config
    for team in org_config.teams:
        for env, team_env in team.environments.items():
            for service in ("dlp", "vertex", "workflows"):
                if agents[service]["bootstrap"] == "identity_create":
                    assert (
                        f"identity create --service={agents[service]['api']} --project={team_env.project_id}"
                    ) in access, (team.name, env, service)
    for service, agent in agents.items():
        assert agent["bootstrap"] in ("identity_create", "data_source", "onboarding") and agent["created"], service
        assert agent["source"] in contract.contract()["sources"], service


def test_bootstrap_onboards_pam_on_every_team_project_that_offers_entitlements(org_config, org_stacks):
    """PAM works only after its API is on and its service agent holds the project service agent role
    (pam-permissions-and-setup); the entitlements of the first team apply need both (review 14, item 5)."""
    from scripts.docs.access import bootstrap_commands

    agent = contract.contract()["service_agents"]["pam"]
    assert agent["api"] == "privilegedaccessmanager.googleapis.com"
    assert agent["role"] == "roles/privilegedaccessmanager.projectServiceAgent"
    lines = bootstrap_commands(org_config, org_stacks)
    checked = 0
    for team in org_config.teams:
        for team_env in team.environments.values():
            project = team_env.project_id
            mine = [line for line in lines if f"--project={project}" in line or f"bindings {project} " in line]
            text = "\n".join(lines)
            enable = f"gcloud services enable privilegedaccessmanager.googleapis.com --project={project}"
            grant = (
                f'gcloud projects add-iam-policy-binding {project} --member="serviceAccount:$PAM_AGENT" '
                "--role=roles/privilegedaccessmanager.projectServiceAgent --condition=None"
            )
            assert (enable in text) == bool(team.access.entitlements), (team.name, project)
            if team.access.entitlements:
                checked += 1
                order = [i for i, line in enumerate(lines) if line in (enable, grant)]
                assert len(order) == 2 and lines[order[0]] == enable, (team.name, project)
                assert any(line.startswith(f"gcloud pam check-onboarding-status --project={project} ") for line in mine)
    assert checked


def _kubernetes_failures(org_config, stacks):
    return [v for v in failures(org_config, stacks) if v.address.startswith(("kubernetes_", "data.kubernetes_"))]


def test_every_kubernetes_object_of_the_example_is_within_the_ci_namespace_roles(org_config, docs):
    checked = [
        v
        for v in contract.evaluate(org_config, docs)
        if v.address.startswith(("kubernetes_", "data.kubernetes_namespace_v1"))
    ]
    assert {v.address.split(".")[0] for v in checked} >= {
        "kubernetes_resource_quota_v1",
        "kubernetes_limit_range_v1",
        "kubernetes_deployment_v1",
        "kubernetes_manifest",
        "data",
    }
    assert all(v.passed for v in checked)


def test_a_kubernetes_object_the_ci_roles_do_not_cover_is_a_finding(org_config, docs):
    """A Secret (outside the roles by design) and a manifest of an unlisted kind: the apply would get a 403."""

    def add(stacks):
        res = stacks["team-ledger-dev"]["resource"]
        res["kubernetes_secret_v1"] = {"leak": {"metadata": [{"name": "x", "namespace": "ledger"}]}}
        res.setdefault("kubernetes_manifest", {})["cron"] = {
            "manifest": {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "x"}}
        }

    found = {v.address: v.message for v in _kubernetes_failures(org_config, fresh(docs, add))}
    assert "do not cover kubernetes_secret_v1" in found["kubernetes_secret_v1.leak"]
    assert "do not cover a CronJob manifest" in found["kubernetes_manifest.cron"]


def test_a_verb_missing_from_the_applier_role_is_a_finding(org_config, docs, monkeypatch):
    """The gate compares the provider's calls (from its source) with the roles the bootstrap applies: an applier
    role one verb short fails every object that needs it."""
    from config import kubernetes_rbac

    roles = copy.deepcopy(kubernetes_rbac.namespace_roles())
    for rule in roles["applier"]["rules"]:
        rule["verbs"] = [v for v in rule["verbs"] if v != "delete"]
    monkeypatch.setattr(kubernetes_rbac, "namespace_roles", lambda: roles)
    messages = [v.message for v in _kubernetes_failures(org_config, docs)]
    writable = [m for m in messages if "namespaces" not in m]
    assert writable and all("modelops-ci-namespace-applier (applier) lacks delete" in m for m in writable)


def test_a_manifest_without_the_cluster_wide_crd_list_is_a_finding(org_config, docs, monkeypatch):
    """kubernetes_manifest resolves its type from the cluster's CRDs at every plan (provider source
    manifest/provider/resource.go:271): without the cluster-wide list both CI identities get a 403."""
    from config import kubernetes_rbac

    reader = copy.deepcopy(kubernetes_rbac.cluster_reader())
    reader["rules"] = []
    monkeypatch.setattr(kubernetes_rbac, "cluster_reader", lambda: reader)
    found = {v.address.split(".")[0]: v.message for v in _kubernetes_failures(org_config, docs)}
    assert set(found) == {"kubernetes_manifest"}
    assert (
        "modelops-ci-crd-reader (cluster-wide) lacks list on apiextensions.k8s.io/customresourcedefinitions"
        in (found["kubernetes_manifest"])
    )


def test_the_fleet_allow_list_names_exactly_the_ci_roles(org_config, docs):
    def widen(stacks):
        feature = next(iter(stacks["platform-dev"]["resource"]["google_gke_hub_feature"].values()))
        feature["spec"]["rbacrolebindingactuation"]["allowed_custom_roles"].append("cluster-admin")

    found = [v for v in failures(org_config, fresh(docs, widen)) if v.address.startswith("google_gke_hub_feature")]
    assert len(found) == 1 and "cluster-admin" in found[0].message
