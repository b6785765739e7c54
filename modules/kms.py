"""Platform KMS: one key ring per environment, one rotating key per data-holding service."""

from __future__ import annotations

from collections.abc import Iterable

from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_google.kms_crypto_key import KmsCryptoKey, KmsCryptoKeyVersionTemplate
from cdktn_provider_google.kms_crypto_key_iam_member import KmsCryptoKeyIamMember
from cdktn_provider_google.kms_key_ring import KmsKeyRing
from constructs import Construct

from config import names
from modules.principal import Principal

ROTATION_90_DAYS = f"{90 * 24 * 3600}s"
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


class PlatformKeys(Construct):
    """Key ring + per-service keys: 90-day rotation, protected from deletion (keys cannot be undeleted)."""

    def __init__(self, scope: Construct, id: str, *, project: str, location: str, ring_name: str):
        super().__init__(scope, id)
        self.ring = KmsKeyRing(
            self, "ring", name=ring_name, location=location, project=project, lifecycle={"prevent_destroy": True}
        )
        self.keys: dict[str, KmsCryptoKey] = {
            service: KmsCryptoKey(
                self,
                service,
                name=service,
                key_ring=self.ring.id,
                purpose="ENCRYPT_DECRYPT",
                rotation_period=ROTATION_90_DAYS,
                destroy_scheduled_duration=f"{30 * 24 * 3600}s",
                version_template=KmsCryptoKeyVersionTemplate(
                    algorithm="GOOGLE_SYMMETRIC_ENCRYPTION", protection_level="SOFTWARE"
                ),
                deletion_policy="PREVENT",
                lifecycle={"prevent_destroy": True},
            )
            for service in names.KEY_SERVICES
        }

    def key(self, service: str) -> KmsCryptoKey:
        return self.keys[service]

    def grant_encrypt_decrypt(
        self, principal: Principal, service: str, *, scope: Construct, id: str | None = None
    ) -> KmsCryptoKeyIamMember:
        """Let one principal (a service agent) use one service's key: additive, never the whole ring.

        The grant lives in ``scope`` (the construct whose resources need the key, possibly in another
        stack: a team project's agents are granted from the platform stack) under ``id``, by default
        the principal's slug.
        """
        return KmsCryptoKeyIamMember(
            scope,
            id or principal.slug,
            crypto_key_id=self.key(service).id,
            role=ENCRYPTER_DECRYPTER,
            member=principal.member,
        )


class ServiceAgentKeyAccess(Construct):
    """Let a project's service agents use the platform keys: each agent gets its own service's key only.

    Service agents are named from the project *number*, read here with a data source. A grant to an
    agent that does not exist yet fails at apply time; some are created only on first use (Artifact
    Registry with its first repository, DLP when first needed), so the one-time bootstrap creates them
    (policies/iam/contract.yaml `service_agents`, docs/access.md "Bootstrap").
    """

    def __init__(self, scope: Construct, id: str, *, keys: PlatformKeys, project: str, services: Iterable[str]):
        super().__init__(scope, id)
        self.project = DataGoogleProject(self, "project", project_id=project)
        self.grants: dict[str, KmsCryptoKeyIamMember] = {
            service: keys.grant_encrypt_decrypt(self.principal(service), service, scope=self, id=service)
            for service in sorted(set(services))
        }

    def member(self, service: str) -> str:
        """The agent of ``service`` in this project (`serviceAccount:service-<number>@...`)."""
        return names.service_agent(service, self.project.number)

    def principal(self, service: str) -> Principal:
        return Principal.service_agent(service, self.member(service))

    def key_grant(self, service: str) -> KmsCryptoKeyIamMember:
        """The grant CMEK resources of ``service`` must depend on (the key is unusable before it)."""
        return self.grants[service]


class ProjectServiceAgents(Construct):
    """A project's Google-managed service agents whose key grants live in another stack.

    A team stack uses the platform's keys; the platform stack grants the team project's agents
    (modules/team_platform_access.py) and is applied before any team stack, so a team stack needs no
    IAM permission on the platform's keys. ``key_grant`` returns the project lookup: a resource in
    this stack that CMEK resources can depend on in the same shape as ``ServiceAgentKeyAccess``.
    """

    def __init__(self, scope: Construct, id: str, *, project: str):
        super().__init__(scope, id)
        self.project = DataGoogleProject(self, "project", project_id=project)

    def member(self, service: str) -> str:
        return names.service_agent(service, self.project.number)

    def principal(self, service: str) -> Principal:
        return Principal.service_agent(service, self.member(service))

    def key_grant(self, service: str) -> DataGoogleProject:
        return self.project
