"""The team stack's access resources on the fixture organisation: one PAM entitlement per declared catalogue
entry (logical id from its name), secure with no options; standing grants as IAM members with the exact expiry;
the gate accepts exactly the declared standing grants and flags expired ones at their line."""

from __future__ import annotations

import copy
import datetime
import json
import shutil
from pathlib import Path

from policies.engine.gate import run_gate

STACK = "team-ledger-dev"
LEDGER = "tests/fixtures/org/teams/ledger.yaml"
DATASET_CONDITION = (
    'resource.name == "projects/orbit-ledger-dev/datasets/{d}" || '
    'resource.name.startsWith("projects/orbit-ledger-dev/datasets/{d}/")'
)


def entitlements(stacks, stack=STACK):
    return stacks[stack]["resource"]["google_privileged_access_manager_entitlement"]


def by_id(stacks, stack=STACK):
    return {conf["entitlement_id"]: conf for conf in entitlements(stacks, stack).values()}


def test_one_entitlement_per_declared_entry_with_ids_from_names(org_stacks, org_config):
    for team in org_config.teams:
        for env in team.environments:
            found = by_id(org_stacks, f"team-{team.name}-{env}")
            assert set(found) == {f"modelops-{e.entitlement}" for e in team.access.entitlements}
    assert all("_pii-reader_" in lid or "_metadata-reader_" in lid or "_pipeline-operator_" in lid
               for lid in entitlements(org_stacks))  # fmt: skip


def test_pii_reader_is_approved_justified_capped_and_narrowed_to_the_team_dataset(org_stacks):
    from config import names

    pii = by_id(org_stacks)["modelops-pii-reader"]
    assert pii["parent"] == "projects/orbit-ledger-dev" and pii["location"] == "global"
    assert pii["max_request_duration"] == "259200s"  # 3d, the team file's value (cap 7d)
    assert pii["requester_justification_config"] == {"unstructured": {}}
    assert pii["eligible_users"] == [{"principals": ["group:ledger-developers@orbit.example"]}]
    manual = pii["approval_workflow"]["manual_approvals"]
    assert manual["require_approver_justification"] is True
    assert manual["steps"] == [
        {
            "approvals_needed": 1,
            "approvers": {"principals": ["group:data-owners@orbit.example", "user:kim.berg@orbit.example"]},
        }
    ]
    access = pii["privileged_access"]["gcp_iam_access"]
    assert access["resource"] == "//cloudresourcemanager.googleapis.com/projects/orbit-ledger-dev"
    assert access["resource_type"] == "cloudresourcemanager.googleapis.com/Project"
    roles = {b["role"]: b.get("condition_expression") for b in access["role_bindings"]}
    dataset = names.metadata_dataset_id("ledger")
    assert roles == {
        "roles/bigquery.dataViewer": DATASET_CONDITION.format(d=dataset),
        "roles/datacatalog.categoryFineGrainedReader": None,
        "roles/bigquery.jobUser": None,
    }


def test_low_risk_entry_without_approvers_has_no_workflow(org_stacks):
    assert "approval_workflow" not in by_id(org_stacks)["modelops-metadata-reader"]


def test_standing_grant_is_a_conditional_member_with_the_exact_expiry(org_stacks):
    from config import names

    members = org_stacks[STACK]["resource"]["google_project_iam_member"]
    standing = [m for m in members.values() if m["member"].startswith("user:")]
    assert len(standing) == 1
    grant = standing[0]
    assert grant["member"] == "user:jo.contractor@orbit.example"
    assert grant["role"] == "roles/bigquery.metadataViewer"
    condition = DATASET_CONDITION.format(d=names.metadata_dataset_id("ledger"))
    window = 'request.time >= timestamp("2026-10-01T00:00:00Z") && request.time < timestamp("2026-12-31T00:00:00Z")'
    assert grant["condition"]["expression"] == f"{window} && ({condition})"
    assert grant["condition"]["title"] == "until 2026-12-31 00:00 UTC (exclusive)"
    assert "LEDGER-881" in grant["condition"]["description"]


def _mutated(org_synth_dir, tmp_path, mutate):
    out = tmp_path / "cdktf.out"
    shutil.copytree(org_synth_dir, out)
    file = out / "stacks" / STACK / "cdk.tf.json"
    doc = json.loads(file.read_text())
    mutate(doc["resource"]["google_project_iam_member"])
    file.write_text(json.dumps(doc))
    return out


def test_gate_accepts_exactly_the_declared_standing_grant(org_config, org_synth_dir, tmp_path):
    def mutate(members):
        (lid, grant), *_ = [(k, v) for k, v in members.items() if v["member"].startswith("user:")]
        other = copy.deepcopy(grant)
        other["member"] = "user:someone.else@orbit.example"  # not declared
        longer = copy.deepcopy(grant)
        longer["condition"]["expression"] = longer["condition"]["expression"].replace("2026-12-31", "2027-12-31")
        wider = copy.deepcopy(grant)
        wider["role"] = "roles/bigquery.dataViewer"  # not a role of the declared catalogue entry
        expression = grant["condition"]["expression"]
        window = expression.split(" && (")[0]
        unnarrowed = copy.deepcopy(grant)  # the expiry alone: every dataset of the project
        unnarrowed["condition"]["expression"] = window
        never_ends = copy.deepcopy(grant)  # CEL: `a && b || true` is `(a && b) || true`
        never_ends["condition"]["expression"] = f"{expression} || true"
        elsewhere = copy.deepcopy(grant)  # the same binding on another project
        elsewhere["project"] = "orbit-mlops-dev"
        members.update(
            {
                f"{lid}x": other,
                f"{lid}y": longer,
                f"{lid}z": wider,
                f"{lid}u": unnarrowed,
                f"{lid}v": never_ends,
                f"{lid}w": elsewhere,
            }
        )

    result = run_gate(
        org_config, _mutated(org_synth_dir, tmp_path, mutate), only={STACK}, today=datetime.date(2026, 11, 1)
    )
    hits = sorted(f.address for f in result.failed if f.rule == "MLOPS_IAM_4")
    assert len(hits) == 6 and all(h.endswith(("x", "y", "z", "u", "v", "w")) for h in hits), hits


def test_gate_accepts_a_standing_grant_of_a_custom_role_by_its_reference(org_config, org_synth_dir, tmp_path):
    """endpoint-predictor binds the team's custom predictor role: the member names it by a reference to the custom
    role resource of its own stack; a reference to another custom role is a finding."""
    from dataclasses import replace

    from config import access_catalogue, names
    from config.model import Access, StandingGrant

    ledger = org_config.team("ledger")
    grant = StandingGrant(
        member="user:pat.partner@orbit.example",
        role="endpoint-predictor",
        reason="partner integration tests",
        ticket="LEDGER-900",
        granted="2026-11-01",
        expires="2027-01-15",
        approved_by="business_owner",
        source=ledger.access.grants[0].source,
    )
    team = replace(ledger, access=Access(ledger.access.entitlements, (*ledger.access.grants, grant)))
    config = replace(org_config, teams=tuple(team if t.name == "ledger" else t for t in org_config.teams))
    (binding,) = access_catalogue.catalogue()["endpoint-predictor"].roles
    expression = access_catalogue.standing_condition(
        binding,
        granted=grant.granted,
        expires=grant.expires,
        project="orbit-ledger-dev",
        dataset=names.metadata_dataset_id("ledger"),
    )

    def mutate(members, roles):
        ids = {conf["role_id"]: lid for lid, conf in roles.items()}
        member = {
            "project": "orbit-ledger-dev",
            "member": grant.member,
            "condition": {"title": "t", "description": "d", "expression": expression},
        }
        members["standing_pat_ok"] = {
            **member,
            "role": f"${{google_project_iam_custom_role.{ids[names.PREDICTOR_ROLE]}.name}}",
        }
        members["standing_pat_bad"] = {
            **member,
            "role": f"${{google_project_iam_custom_role.{ids[names.MODEL_DEPLOYER_ROLE]}.name}}",
        }

    out = tmp_path / "cdktf.out"
    shutil.copytree(org_synth_dir, out)
    file = out / "stacks" / STACK / "cdk.tf.json"
    doc = json.loads(file.read_text())
    mutate(doc["resource"]["google_project_iam_member"], doc["resource"]["google_project_iam_custom_role"])
    file.write_text(json.dumps(doc))
    result = run_gate(config, out, only={STACK}, today=datetime.date(2026, 11, 1))
    hits = sorted(f.address for f in result.failed if f.rule == "MLOPS_IAM_4")
    assert hits == ["google_project_iam_member.standing_pat_bad"], hits


def test_expired_standing_grant_is_a_finding_at_its_line(org_config, org_synth_dir):
    result = run_gate(org_config, org_synth_dir, only={STACK}, today=datetime.date(2026, 12, 31))
    hits = [f for f in result.failed if f.rule == "MLOPS_IAM_8"]
    line = next(i for i, text in enumerate(Path(LEDGER).read_text().splitlines(), 1) if 'expires: "2026-12-31"' in text)
    assert [(f.file, f.line) for f in hits] == [(LEDGER, line)]
    assert "expired on 2026-12-31" in hits[0].message
    doc = json.loads((org_synth_dir / "stacks" / STACK / "cdk.tf.json").read_text())
    paths = {c["//"]["metadata"]["path"] for items in doc["resource"].values() for c in items.values()}
    assert hits[0].construct_path in paths, hits[0].construct_path  # a construct that exists (review 14 item 12)
    assert not [f for f in result.failed if f.rule != "MLOPS_IAM_8"]


def test_every_standing_member_is_live_no_longer_than_its_standing_cap(org_stacks):
    """The live window is what the condition says, not what the team file's dates claim: both bounds are in the
    expression and they lie within the catalogue's standing cap (a future `granted` cannot stretch it)."""
    import re

    from config import access_catalogue

    caps: dict[str, int] = {}
    for entry in access_catalogue.catalogue().values():
        for b in entry.roles:
            caps[b.role] = max(caps.get(b.role, 0), entry.standing_cap_days)
    bound = r'request\.time {op} timestamp\("(\d{{4}}-\d{{2}}-\d{{2}})T00:00:00Z"\)'
    seen = 0
    for stack in org_stacks.values():
        for m in (stack["resource"].get("google_project_iam_member") or {}).values():
            if not m["member"].startswith("user:"):
                continue
            seen += 1
            expression = m["condition"]["expression"]
            start = re.match(bound.format(op=">=") + " && ", expression)
            end = re.search(bound.format(op="<"), expression)
            assert start and end, expression
            days = (datetime.date.fromisoformat(end[1]) - datetime.date.fromisoformat(start[1])).days
            assert 0 < days <= caps[m["role"]], (m["role"], days)
    assert seen


def test_replacement_preview_flags_an_entitlement_replacement_not_an_approver_change(
    org_config, org_synth_dir, tmp_path
):
    """approval_workflow is ForceNew on the block (provider e03b7622a2 resource_privileged_access_manager_entitlement.go
    :321): adding or removing it destroys the entitlement and, through delete's force=true (:832), its grants;
    new approvers inside the block are an in-place PATCH (:772-774; the PATCH reference allows approver changes)."""

    def head(mutate):
        out = tmp_path / f"head-{mutate.__name__}" / "cdktf.out"
        shutil.copytree(org_synth_dir, out)
        file = out / "stacks" / STACK / "cdk.tf.json"
        doc = json.loads(file.read_text())
        mutate(by_id({STACK: doc}))
        file.write_text(json.dumps(doc))
        return out

    def new_approver(found):
        steps = found["modelops-pii-reader"]["approval_workflow"]["manual_approvals"]["steps"]
        steps[0]["approvers"]["principals"] = ["user:new.owner@orbit.example"]

    def approval_free(found):
        del found["modelops-pipeline-operator"]["approval_workflow"]

    def rule_hits(out):
        result = run_gate(org_config, out, only={STACK}, today=datetime.date(2026, 11, 1), base_synth_dir=org_synth_dir)
        return [f for f in result.failed if f.rule == "MLOPS_TF_9"]

    assert rule_hits(head(new_approver)) == []
    (hit,) = rule_hits(head(approval_free))
    assert hit.construct_path == f"{STACK}/access/pipeline-operator"
    assert "active grants end at once" in hit.message and '`approval_workflow` "1 block" -> "0 blocks"' in hit.message
