"""Access beyond the standing groups: one Privileged Access Manager entitlement per catalogue entry a team offers,
and the planned standing grants of single people as IAM members that expire.

Secure with no options: justification is always required (``requester_justification_config.unstructured``),
approvals follow the catalogue (restricted entries always have an approval step), bindings on BigQuery are
narrowed to the team's dataset by an IAM condition, the entitlement lives on the team project only.
Arguments per the pinned provider (8.7.0 jsii schema; Go source resource_privileged_access_manager_entitlement.go,
snapshot e03b7622a2 = the 8.0.0 release merge) and PAM's limits (config/data/access_catalogue.yaml).
"""

from __future__ import annotations

from collections.abc import Callable

from cdktn_provider_google.privileged_access_manager_entitlement import (
    PrivilegedAccessManagerEntitlement,
    PrivilegedAccessManagerEntitlementApprovalWorkflow,
    PrivilegedAccessManagerEntitlementApprovalWorkflowManualApprovals,
    PrivilegedAccessManagerEntitlementApprovalWorkflowManualApprovalsSteps,
    PrivilegedAccessManagerEntitlementApprovalWorkflowManualApprovalsStepsApprovers,
    PrivilegedAccessManagerEntitlementEligibleUsers,
    PrivilegedAccessManagerEntitlementPrivilegedAccess,
    PrivilegedAccessManagerEntitlementPrivilegedAccessGcpIamAccess,
    PrivilegedAccessManagerEntitlementPrivilegedAccessGcpIamAccessRoleBindings,
    PrivilegedAccessManagerEntitlementRequesterJustificationConfig,
    PrivilegedAccessManagerEntitlementRequesterJustificationConfigUnstructured,
)
from cdktn_provider_google.project_iam_member import ProjectIamMember, ProjectIamMemberCondition
from constructs import Construct

from config import access_catalogue
from config.access_rules import approver_member, eligible_members
from config.model import Platform, Team

PROJECT_RESOURCE_TYPE = "cloudresourcemanager.googleapis.com/Project"


def project_resource(project: str) -> str:
    """The full resource name PAM grants on (the provider's own example uses this form)."""
    return f"//cloudresourcemanager.googleapis.com/projects/{project}"


def seconds(duration: str) -> str:
    """`4h` -> `14400s`: the provider's Duration format for max_request_duration."""
    return f"{access_catalogue.duration_seconds(duration)}s"


class TeamAccess(Construct):
    """The team's `access:` block in one environment: entitlements and standing grants on the team project.

    ``role_name`` turns `custom:<id>` into the custom role's name (modules/team_iam.py TeamIam.role_name)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        team: Team,
        platform: Platform,
        project: str,
        dataset: str,
        role_name: Callable[[str], str],
    ):
        super().__init__(scope, id)
        entries = access_catalogue.catalogue()
        self.entitlements: dict[str, PrivilegedAccessManagerEntitlement] = {}
        for e in team.access.entitlements:
            entry = entries[e.entitlement]
            approvers = sorted({m for k in e.approvers if (m := approver_member(k, team, platform)) is not None})
            workflow = (
                PrivilegedAccessManagerEntitlementApprovalWorkflow(
                    manual_approvals=PrivilegedAccessManagerEntitlementApprovalWorkflowManualApprovals(
                        require_approver_justification=True,
                        steps=[
                            PrivilegedAccessManagerEntitlementApprovalWorkflowManualApprovalsSteps(
                                approvals_needed=access_catalogue.limits()["approvals_needed"],
                                approvers=PrivilegedAccessManagerEntitlementApprovalWorkflowManualApprovalsStepsApprovers(
                                    principals=approvers
                                ),
                            )
                        ],
                    )
                )
                if approvers
                else None
            )
            self.entitlements[e.entitlement] = PrivilegedAccessManagerEntitlement(
                self,
                e.entitlement,
                entitlement_id=access_catalogue.entitlement_id(e.entitlement),
                location=access_catalogue.limits()["location"],
                parent=f"projects/{project}",
                max_request_duration=seconds(e.max_duration),
                eligible_users=[
                    PrivilegedAccessManagerEntitlementEligibleUsers(principals=list(eligible_members(e, team)))
                ],
                privileged_access=PrivilegedAccessManagerEntitlementPrivilegedAccess(
                    gcp_iam_access=PrivilegedAccessManagerEntitlementPrivilegedAccessGcpIamAccess(
                        resource=project_resource(project),
                        resource_type=PROJECT_RESOURCE_TYPE,
                        role_bindings=[
                            PrivilegedAccessManagerEntitlementPrivilegedAccessGcpIamAccessRoleBindings(
                                role=role_name(b.role),
                                condition_expression=access_catalogue.condition(b, project=project, dataset=dataset),
                            )
                            for b in entry.roles
                        ],
                    )
                ),
                requester_justification_config=PrivilegedAccessManagerEntitlementRequesterJustificationConfig(
                    unstructured=PrivilegedAccessManagerEntitlementRequesterJustificationConfigUnstructured()
                ),
                approval_workflow=workflow,
            )
        self.standing: list[ProjectIamMember] = []
        for g in team.access.grants:
            for b in entries[g.role].roles:
                self.standing.append(
                    ProjectIamMember(
                        self,
                        access_catalogue.standing_id(g.email, g.role, b.role),
                        project=project,
                        role=role_name(b.role),
                        member=g.member,
                        condition=ProjectIamMemberCondition(
                            title=access_catalogue.window_title(g.expires),
                            description=f"{g.ticket}: {g.reason}"[:256],
                            expression=access_catalogue.standing_condition(
                                b, granted=g.granted, expires=g.expires, project=project, dataset=dataset
                            ),
                        ),
                    )
                )
