"""MLOPS_IAM_7: every identity holds exactly what its job steps need (policies/iam/contract.yaml), as Google's
IAM data says roles and REST methods work (policies/iam/google_iam.py)."""

from __future__ import annotations

from policies.iam import contract
from policies.rulebase import ConfigRule, Outcome


class PermissionContract(ConfigRule):
    id = "MLOPS_IAM_7"
    title = (
        "Grants match the permission contract, judged by Google's IAM data: every job step covered, no role "
        "beyond the steps, no permission that does not exist"
    )
    why = (
        "A grant that is missing breaks a job only after apply (an audit event that cannot be written, a "
        "monitoring job never created), and so does a custom role with a permission IAM does not know; a role "
        "broader than the steps lets an identity do what no job asks of it (move traffic outside the gates, "
        "read personal data, grant itself more)."
    )
    capability = "governance: access control to sensitive data"
    fix = (
        "Grant the role the contract names on the resource it names (modules/team_iam.py TEAM_GRANTS, "
        "modules/team_platform_access.py), or add the job step that needs the grant to "
        "policies/iam/contract.yaml with Google's reference for its permissions and the REST methods it calls; "
        "use only permissions and roles that policies/iam/data/google-iam.json.gz (Google's IAM data) knows."
    )
    severity = "HIGH"
    team_field = ("groups",)

    def evaluate(self, scan):
        checked = {s.name for s in scan.stacks}
        # All synthesized stacks: cross-project grants of a team live in the platform stack.
        for verdict in contract.evaluate(scan.config, scan.all_stacks):
            if verdict.stack in checked:
                yield Outcome(
                    verdict.stack,
                    verdict.address,
                    verdict.construct_path,
                    verdict.passed,
                    verdict.message,
                    verdict.yaml_path,
                )
