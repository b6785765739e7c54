"""MLOPS_PII_2: columns that hold personal data carry a policy tag (column-level security)."""

from __future__ import annotations

import json

from policies.rulebase import ConfigRule, Outcome


def _fields(schema: list) -> list[dict]:
    out = []
    for field in schema:
        if isinstance(field, dict):
            out.append(field)
            out += _fields(field.get("fields") or [])
    return out


class PiiPolicyTags(ConfigRule):
    id = "MLOPS_PII_2"
    title = "Columns of PII features carry a policy tag"
    why = "Only the team's sensitive_data_readers may read personal data; the policy tag enforces that per column."
    capability = "governance: access control to sensitive data"
    fix = "Declare the feature with `pii: true`; the table constructs add the platform's pii policy tag to its column."
    severity = "HIGH"
    model_field = ("monitoring", "features")

    def evaluate(self, scan):
        for stack in scan.team_stacks():
            team = scan.config.team(stack.team)
            pii = {
                f.name: ("models", i, "monitoring", "features", j)
                for i, m in enumerate(team.models)
                for j, f in enumerate(m.monitoring.features)
                if f.pii
            }
            if not pii:
                continue
            for table in stack.resources("google_bigquery_table"):
                try:
                    schema = json.loads(table.conf.get("schema") or "[]")
                except (TypeError, ValueError):
                    continue
                for field in _fields(schema if isinstance(schema, list) else []):
                    if field.get("name") not in pii:
                        continue
                    tags = (field.get("policyTags") or field.get("policy_tags") or {}).get("names") or []
                    yield Outcome(
                        stack.name,
                        table.address,
                        table.construct_path,
                        bool(tags),
                        f"column {field['name']} (pii) of table {table.conf.get('table_id')} has no policy tag",
                        pii[field["name"]],
                    )
