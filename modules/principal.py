"""Who a grant is for: an IAM member plus the stable slug its logical ids are built from.

Every construct's grants share one shape, ``grant_<verb>(principal, ...)``; the logical id of the IAM
resource comes from ``principal.slug`` (and the role or table), never from a list position or from
descriptive text, so rewording docs or reordering grants never renames a Terraform address. Slugs come
from enums (``GroupKind``, ``AccountKind``) or from service names.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.model import GroupKind
from config.names import AccountKind


@dataclass(frozen=True)
class Principal:
    member: str  # `group:...`, `serviceAccount:...`, `principal://...` (IAM member syntax)
    slug: str  # [a-z0-9-]: part of the logical ids of the grants made to it

    @classmethod
    def group(cls, kind: GroupKind, email: str) -> Principal:
        """A team group from the team file (`groups.<kind>`)."""
        return cls(f"group:{email}", kind.slug)

    @classmethod
    def service_account(cls, email: str, slug: str) -> Principal:
        return cls(f"serviceAccount:{email}", slug)

    @classmethod
    def team_account(cls, kind: AccountKind, email: str) -> Principal:
        """One of the team's service accounts (serving, pipeline, deployer)."""
        return cls.service_account(email, kind.value)

    @classmethod
    def service_agent(cls, service: str, member: str) -> Principal:
        """A Google-managed service agent (``member`` from ``names.service_agent``), slug `<service>-agent`."""
        return cls(member, f"{service}-agent")
