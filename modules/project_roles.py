"""Additive project-level role grants, deduplicated: one `google_project_iam_member` per (role, member)."""
from __future__ import annotations

from cdktn_provider_google.project_iam_member import ProjectIamMember
from constructs import Construct


class ProjectRoles(Construct):
    def __init__(self, scope: Construct, id: str, *, project: str):
        super().__init__(scope, id)
        self.project = project
        self.grants: dict[tuple[str, str], ProjectIamMember] = {}

    def grant(self, role: str, member: str, slug: str) -> ProjectIamMember:
        """``slug`` names the member in the logical id (e.g. `pipeline`), so ids come from names."""
        key = (role, member)
        if key not in self.grants:
            self.grants[key] = ProjectIamMember(self, f"{slug}-{role.rsplit('/', 1)[-1]}", project=self.project,
                                                role=role, member=member)
        return self.grants[key]
