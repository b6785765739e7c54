"""Google's IAM data (policies/iam/data/google-iam.json.gz) and what the stacks grant, judged by it.

The data is a dump of `gcloud iam roles describe` for every predefined role and of the permission sections of
Google's REST reference (iann0036/iam-dataset, pinned in policies/iam/iam_dataset.yaml). Each finding of the
issue 15 review that concerns permissions has a test here that fails on the code before the fix.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
from pathlib import Path

import pytest

from config.ci_roles import (
    entry_roles,
    reader_permissions,
    reader_role,
    roles_for_types,
    types_by_project,
    unchecked_types,
)
from policies.engine.stackset import StackDoc, load_stacks
from policies.iam import contract, google_iam, regenerate
from policies.iam.grants import stack_grants

MIRROR = Path("/work/.mirror/iann0036+iam-dataset/repo")


@pytest.fixture(scope="module")
def docs(org_config, org_synth_dir):
    return load_stacks(org_config, org_synth_dir)


# ---------------------------------------------------------------- the data and its provenance


def test_the_data_records_where_it_comes_from():
    src = google_iam.provenance()
    assert src["repository"] == "https://github.com/iann0036/iam-dataset"
    assert src["commit"] == "2073fa52ac008a45477aa0b1b4580cd99135bf60" == google_iam.source()["commit"]
    assert src["commit_date"].startswith("2026-08-22")
    assert "gcloud iam roles describe" in src["mirrors"]["roles"]
    assert "REST reference" in src["mirrors"]["methods"]
    assert src["counts"]["predefined_roles"] > 2000 and src["counts"]["permissions"] > 10000
    assert google_iam.DATA_FILE.stat().st_size < 400_000  # only the roles the stacks grant, plus an index


@pytest.mark.skipif(not MIRROR.is_dir(), reason=f"no iam-dataset git directory at {MIRROR}")
def test_the_pinned_data_is_what_the_regeneration_script_writes():
    """Regenerate (`python -m policies.iam.regenerate --git-dir <dir>`) after adding a role anywhere."""
    with gzip.open(google_iam.DATA_FILE, "rb") as handle:
        pinned = handle.read()
    assert pinned == regenerate.encode(regenerate.build(MIRROR))


def test_the_data_keeps_every_role_the_stacks_grant(org_config, docs):
    granted = {g.role for d in docs for g in stack_grants(org_config, d, d.env) if g.role.startswith("roles/")}
    kept = set(google_iam.data()["roles"])
    assert granted and granted <= kept
    assert kept == google_iam.roles_in_use()  # and nothing else


def test_what_the_review_read_in_googles_data_is_what_the_pinned_data_says():
    """Review 15, items 1, 2 and 10: the permissions invented or misattributed before."""
    for invented in (
        "aiplatform.models.deploy",
        "aiplatform.operations.get",
        "monitoring.metricsScopes.get",
        "gkehub.namespace.create",
        "gkehub.namespace.get",
    ):
        assert not google_iam.permission_exists(invented), invented
    assert google_iam.permission_exists("gkehub.namespaces.create")
    role = google_iam.role_permissions
    assert "bigquery.jobs.create" not in role("roles/bigquery.dataOwner") | role("roles/bigquery.metadataViewer")
    assert "logging.settings.get" not in role("roles/logging.viewer")
    assert "logging.settings.get" in role("roles/logging.configWriter")
    assert "logging.cmekSettings.get" not in role("roles/logging.configWriter") | role("roles/logging.viewer")
    assert "monitoring.metricsScopes.link" not in role("roles/monitoring.editor")
    assert "monitoring.metricsScopes.link" in role("roles/monitoring.metricsScopesAdmin")
    assert "resourcemanager.projects.get" not in role("roles/iam.securityReviewer")
    assert "aiplatform.batchPredictionJobs.cancel" in role("roles/aiplatform.serviceAgent")


# ---------------------------------------------------------------- item 1: custom roles


def test_every_permission_of_every_custom_role_exists_in_googles_data(docs):
    roles = [r for d in docs for r in d.resources("google_project_iam_custom_role")]
    assert len(roles) >= 30
    unknown = {
        (r.conf["role_id"], p) for r in roles for p in r.conf["permissions"] if not google_iam.permission_exists(p)
    }
    assert unknown == set()


def test_an_invented_permission_in_a_custom_role_is_a_finding_naming_it(org_config, docs):
    """Review 15, item 1: IAM refuses a custom role holding a permission that does not exist."""
    prod = [StackDoc(d.name, d.file, copy.deepcopy(d.doc), d.team, d.env) for d in docs if d.env == "prod"]
    stack = next(d for d in prod if d.team == "ledger")
    role = next(
        r
        for r in stack.doc["resource"]["google_project_iam_custom_role"].values()
        if r["role_id"] == "modelopsModelDeployer"
    )
    role["permissions"] = sorted([*role["permissions"], "aiplatform.models.deploy"])
    found = [v for v in contract.evaluate(org_config, prod) if not v.passed]
    assert len(found) == 1
    assert "aiplatform.models.deploy, which is not a permission" in found[0].message


def test_a_step_naming_an_invented_permission_is_a_finding(monkeypatch):
    data = copy.deepcopy(contract.contract())
    data["identities"]["deployer"]["steps"][0]["permissions"].append("aiplatform.operations.get")
    monkeypatch.setattr(contract, "contract", lambda: data)
    problems = [m for name, _, _, ok, m in contract.role_coverage() if not ok]
    assert any("aiplatform.operations.get, which is not a permission" in m for m in problems)


# ---------------------------------------------------------------- item 2: the CI identities can plan and apply


def _held(docs, org_config) -> dict[tuple[str, str], set[str]]:
    """(member, project) -> every permission the CI identity holds there per Google's data."""
    held: dict[tuple[str, str], set[str]] = {}
    for d in docs:
        for g in stack_grants(org_config, d, d.env):
            if g.member not in ("ci:applier", "ci:planner") or not g.target.endswith("_project"):
                continue
            conf = d.resource(g.address).conf
            perms = reader_permissions() if g.role == reader_role() else google_iam.role_permissions(g.role)
            held.setdefault((g.member, conf["project"]), set()).update(perms)
    return held


def test_the_ci_identities_hold_the_deciding_permission_of_every_type_applied_or_read_in_each_project(org_config, docs):
    """Per Google's role listings: the BigQuery agent lookup (bigquery.jobs.create) and the Logging settings
    read (logging.settings.get) in every project they read, metricsScopes.link on both ends of a metrics-scope
    link (review 15, item 2)."""
    from config.ci_roles import ci_roles

    held = _held(docs, org_config)
    table = ci_roles()["resource_types"]
    checked = 0
    for env in ("dev", "prod"):
        elements = [(r.type, r.conf) for d in docs if d.env == env for r in [*d.resources(), *_data(d)]]
        for project, types in types_by_project(elements, None).items():
            if not project:
                continue
            for tf_type in types - unchecked_types():
                kinds = ("apply", "plan") if tf_type.startswith("data.") else ("apply",)
                for kind in kinds:
                    member = "ci:applier" if kind == "apply" else "ci:planner"
                    assert table[tf_type]["permission"] in held.get((member, project), set()), (
                        member,
                        project,
                        tf_type,
                    )
                    checked += 1
    assert checked > 200
    # the permissions the review found missing, each on a team project
    assert {"bigquery.jobs.create", "logging.settings.get", "monitoring.metricsScopes.link"} <= held[
        ("ci:applier", "orbit-ledger-prod")
    ]
    assert {"bigquery.jobs.create", "logging.settings.get"} <= held[("ci:planner", "orbit-ledger-prod")]


def _data(doc: StackDoc):
    from policies.engine.stackset import Resource

    for tf_type, items in (doc.doc.get("data") or {}).items():
        for lid, conf in items.items():
            yield Resource("data." + tf_type, lid, conf)


def test_the_ci_reader_role_holds_only_what_no_read_only_predefined_role_gives(docs):
    assert reader_permissions() == {"bigquery.jobs.create", "logging.settings.get"}
    for permission in reader_permissions():
        assert google_iam.in_predefined_role(permission)  # a permission roles hold, so custom roles may too
    # every planner role for those reads is the custom one
    from config.ci_roles import ci_roles

    for tf_type, entry in ci_roles()["resource_types"].items():
        if entry["permission"] in reader_permissions():
            assert entry_roles(entry, "plan") == [reader_role()], tf_type


# ---------------------------------------------------------------- item 5: the applier is limited


def test_the_appliers_project_iam_admin_is_conditioned_on_exactly_the_granted_roles(org_config, docs):
    admin = "roles/resourcemanager.projectIamAdmin"
    granted: dict[str, set[str]] = {}
    for d in docs:
        custom = {lid: c for lid, c in d.doc["resource"].get("google_project_iam_custom_role", {}).items()}
        for g in d.doc["resource"].get("google_project_iam_member", {}).values():
            role = g["role"]
            if role.startswith("${google_project_iam_custom_role."):
                c = custom[role.split(".")[1]]
                role = f"projects/{c['project']}/roles/{c['role_id']}"
            granted.setdefault(g["project"], set()).add(role)
    conditioned = [
        g
        for d in docs
        for g in d.doc["resource"].get("google_project_iam_member", {}).values()
        if g["role"] == admin and "ci_applier_" in g["member"]
    ]
    assert len(conditioned) == 8  # platform and three team projects, two environments
    for g in conditioned:
        listed = set(re.findall(r"'([^']+)'", g["condition"]["expression"].split("hasOnly(")[1]))
        assert g["condition"]["expression"].startswith(
            "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', [])"
        )
        assert admin not in listed
        assert listed == granted[g["project"]] - {admin}, g["project"]


@pytest.mark.parametrize("change", ["unconditioned", "lists-itself", "one-role-more"])
def test_a_wider_condition_is_a_finding(org_config, docs, change):
    prod = [StackDoc(d.name, d.file, copy.deepcopy(d.doc), d.team, d.env) for d in docs if d.env == "prod"]
    platform = next(d for d in prod if d.kind == "platform")
    grant = next(
        g
        for g in platform.doc["resource"]["google_project_iam_member"].values()
        if g["role"] == "roles/resourcemanager.projectIamAdmin" and g["project"] == "orbit-ledger-prod"
    )
    if change == "unconditioned":
        del grant["condition"]
    elif change == "lists-itself":
        grant["condition"]["expression"] = grant["condition"]["expression"].replace(
            "hasOnly([", "hasOnly(['roles/resourcemanager.projectIamAdmin', "
        )
    else:
        grant["condition"]["expression"] = grant["condition"]["expression"].replace(
            "hasOnly([", "hasOnly(['roles/owner', "
        )
    [found] = [v for v in contract.evaluate(org_config, prod) if not v.passed]
    assert "projectIamAdmin" in found.address
    expected = {"unconditioned": "unconditioned", "lists-itself": "lift it", "one-role-more": "'roles/owner'"}[change]
    assert expected in found.message


def test_a_run_with_one_team_checks_the_condition_only_where_it_sees_every_grant(org_config, docs):
    """`modelops check --team ledger` synthesizes the platform and ledger stacks: the other teams' conditions list
    roles their absent stacks grant, which is no finding."""
    subset = [d for d in docs if d.env == "prod" and d.team in (None, "ledger")]
    verdicts = [v for v in contract.evaluate(org_config, subset) if "projectIamAdmin" in v.address]
    assert len(verdicts) == 4 and all(v.passed for v in verdicts), [v.message for v in verdicts if not v.passed]


def test_the_appliers_deny_list_names_permissions_google_knows_and_it_would_otherwise_reach(org_config, docs):
    from config.ci_roles import ci_roles

    deny = ci_roles()["applier_deny"]
    assert contract.ci_entry_problems() == []
    held = set().union(*(v for (m, _), v in _held(docs, org_config).items() if m == "ci:applier"))
    for denied in deny:
        permission = contract.deny_to_iam(denied)
        assert google_iam.permission_exists(permission), denied
    # what its own roles give it: key destruction, CI-trust changes, image pushes, custom-role edits
    for denied in (
        "cloudkms.googleapis.com/cryptoKeyVersions.destroy",
        "iam.googleapis.com/workloadIdentityPoolProviders.update",
        "artifactregistry.googleapis.com/repositories.uploadArtifacts",
        "iam.googleapis.com/roles.update",
    ):
        assert contract.deny_to_iam(denied) in held, denied


# ---------------------------------------------------------------- item 12: no team reads another team's metrics


def test_no_team_group_can_list_time_series_on_the_fleet_host_project(org_config, docs):
    """The platform project is the metrics scope of every team project: a team group listing its time series
    would read every team's usage, quality and drift."""
    for d in docs:
        if d.kind != "platform":
            continue
        for g in stack_grants(org_config, d, d.env):
            if g.member.startswith("group:") and g.target == "platform_project":
                assert "monitoring.timeSeries.list" not in google_iam.role_permissions(g.role), (d.name, g)


# ---------------------------------------------------------------- items 4, 8, 11: what the docs claim


def test_what_docs_access_says_google_grants_its_agents_is_in_googles_data():
    role = google_iam.role_permissions
    assert {"bigquery.tables.getData", "bigquery.tables.create", "bigquery.tables.updateData"} <= role(
        "roles/aiplatform.serviceAgent"
    )
    assert {"iam.serviceAccounts.actAs", "iam.serviceAccounts.getAccessToken"} <= role("roles/aiplatform.serviceAgent")
    assert {"bigquery.tables.getData", "bigquery.jobs.create"} <= role("roles/aiplatform.customCodeServiceAgent")
    assert {"bigquery.tables.getData", "datacatalog.categories.fineGrainedGet"} <= role("roles/dlp.projectdriver")
    # the exception for developers outside production rests on these
    assert {
        "aiplatform.customJobs.create",
        "aiplatform.batchPredictionJobs.create",
        "aiplatform.endpoints.update",
    } <= role("roles/aiplatform.user")
    exceptions = {(e["identity"], e["role"]) for e in contract.contract()["exceptions"]}
    assert {("developers", "roles/aiplatform.user"), ("deployer", "custom:modelopsModelDeployer")} <= exceptions


def _models(team: str) -> list[str]:
    from config.loader import load_config

    return [
        f"{m.pattern}/{m.serving.runtime}" if m.pattern == "online" else m.pattern
        for m in load_config(Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "org").team(team).models
    ]


def test_every_online_endpoint_alerts_when_its_request_response_logging_changes(org_stacks):
    """Review 15, item 4(c): endpoints.update (traffic) can also switch logging off; the change alerts."""
    checked = 0
    for stack in org_stacks.values():
        endpoints = stack.get("resource", {}).get("google_vertex_ai_endpoint", {})
        policies = stack.get("resource", {}).get("google_monitoring_alert_policy", {}).values()
        for endpoint in endpoints.values():
            [policy] = [
                p
                for p in policies
                if p["user_labels"]["alert_kind"] == "endpoint-logging-changed"
                and f"/endpoints/{endpoint['name']}$" in p["conditions"][0]["condition_matched_log"]["filter"]
            ]
            log_filter = policy["conditions"][0]["condition_matched_log"]["filter"]
            assert "cloudaudit.googleapis.com%2Factivity" in log_filter and "UpdateEndpoint" in log_filter
            assert "predict_?request_?response_?logging_?config" in log_filter
            assert policy["alert_strategy"]["notification_rate_limit"]["period"]
            assert policy["severity"] == "CRITICAL" and policy["notification_channels"]
            checked += 1
    # every online model served on a Vertex endpoint (not `runtime: gke`), in both environments
    online = [m for t in ("ledger", "reach", "scout") for m in _models(t) if m == "online/vertex"]
    assert checked == 2 * len(online) > 0


def test_the_streaming_scorer_may_resolve_the_champion(org_stacks):
    """Review 15, item 8: reach's streaming model is scored by a service that loads <team>-<model>@champion."""
    for env in ("dev", "prod"):
        stack = org_stacks[f"team-reach-{env}"]
        roles = stack["resource"]["google_project_iam_custom_role"]
        reader = next(r for r in roles.values() if r["role_id"] == "modelopsModelReader")
        assert reader["permissions"] == ["aiplatform.models.get"]
        grants = [
            g
            for g in stack["resource"]["google_project_iam_member"].values()
            if "modelopsModelReader" in g["role"] and "service-accounts_serving_" in g["member"]
        ]
        assert len(grants) == 1
    # a team without streaming models does not get it
    ledger = org_stacks["team-ledger-prod"]["resource"]["google_project_iam_member"].values()
    assert not any("modelopsModelReader" in g["role"] for g in ledger)


def test_the_planner_role_table_reads_nothing_it_does_not_need():
    """The planner's roles per type are read-only ones (Google's listings), but the documented reads."""
    from config.ci_roles import ci_roles

    for tf_type, entry in ci_roles()["resource_types"].items():
        for role in entry_roles(entry, "plan"):
            if role == reader_role():
                continue
            assert not {p for p in google_iam.role_permissions(role) if p.endswith((".setIamPolicy", ".delete"))}, (
                tf_type,
                role,
            )
    assert roles_for_types({"data.google_logging_project_settings"}, "plan") == {reader_role()}


def test_the_data_file_is_gzip_json_with_sorted_keys():
    raw = gzip.decompress(google_iam.DATA_FILE.read_bytes())
    doc = json.loads(raw)
    assert regenerate.encode(doc) == raw
