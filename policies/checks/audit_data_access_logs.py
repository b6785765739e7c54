"""MLOPS_AUDIT_3: Data Access audit logs are on for Vertex AI and BigQuery in every team project."""

from __future__ import annotations

from policies.rulebase import ConfigRule, Outcome, items

SERVICES = ("aiplatform.googleapis.com", "bigquery.googleapis.com")
LOG_TYPES = {"DATA_READ", "DATA_WRITE"}


class DataAccessAuditLogs(ConfigRule):
    id = "MLOPS_AUDIT_3"
    title = "Data Access audit configs (DATA_READ, DATA_WRITE) for aiplatform and bigquery in every team project"
    why = "Data Access logs are off by default for Vertex AI; without them nobody can tell who called a model or read its predictions."
    capability = "governance: who accessed models and data, captured automatically"
    fix = "The team stack (or the platform stack) creates google_project_iam_audit_config for each service with DATA_READ and DATA_WRITE."
    severity = "HIGH"

    def evaluate(self, scan):
        covered: set[tuple[str, str]] = set()
        for stack, resource in scan.anywhere("google_project_iam_audit_config"):
            project = resource.conf.get("project") or stack.project
            types = {c.get("log_type") for c in items(resource.conf.get("audit_log_config"))}
            if types >= LOG_TYPES:
                covered.add((project, resource.conf.get("service")))
        for stack in scan.team_stacks():
            project = scan.config.team(stack.team).environments[stack.env].project_id
            for service in SERVICES:
                ok = (project, service) in covered or (project, "allServices") in covered
                yield Outcome(
                    stack.name,
                    f"google_project_iam_audit_config[{project}/{service}]",
                    f"{stack.name}/audit-logs/{service}",
                    ok,
                    f"no Data Access audit config (DATA_READ, DATA_WRITE) for {service} in project {project}",
                    ("environments", stack.env, "project_id"),
                )
