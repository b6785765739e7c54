"""The platform's Docker repository for serving images: CMEK, immutable tags, grants as methods."""

from __future__ import annotations

from cdktn_provider_google.artifact_registry_repository import ArtifactRegistryRepository
from cdktn_provider_google.artifact_registry_repository_iam_member import ArtifactRegistryRepositoryIamMember
from constructs import Construct

from modules.principal import Principal

READER = "roles/artifactregistry.reader"
WRITER = "roles/artifactregistry.writer"


class ServingImageRepository(Construct):
    """Immutable tags: a tag that reached production can never be repointed to other code."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        repository_id: str,
        project: str,
        location: str,
        kms_key_id: str,
        depends_on: list | None = None,
    ):
        """``depends_on`` (default none): what must exist first, e.g. the Artifact Registry agent's key grant."""
        super().__init__(scope, id)
        self.project = project
        self.location = location
        self.repository_id = repository_id
        self.repository = ArtifactRegistryRepository(
            self,
            "repository",
            repository_id=repository_id,
            project=project,
            location=location,
            format="DOCKER",
            description="Serving images for every team's models (Binary Authorization admits only these).",
            kms_key_name=kms_key_id,
            docker_config={"immutable_tags": True},
            vulnerability_scanning_config={"enablement_config": "INHERITED"},
            deletion_policy="PREVENT",
            lifecycle={"prevent_destroy": True},
            depends_on=depends_on,
        )

    @property
    def image_prefix(self) -> str:
        """`<region>-docker.pkg.dev/<project>/<repo>/`: what Binary Authorization admits."""
        return f"{self.location}-docker.pkg.dev/{self.project}/{self.repository_id}/"

    def _grant(
        self, principal: Principal, role: str, scope: Construct | None, id: str | None
    ) -> ArtifactRegistryRepositoryIamMember:
        # Plain names (not tokens) so grants made from another stack need no remote state.
        return ArtifactRegistryRepositoryIamMember(
            scope or self,
            id or f"{principal.slug}-{role.rsplit('.', 1)[-1]}",
            project=self.project,
            location=self.location,
            repository=self.repository_id,
            role=role,
            member=principal.member,
        )

    def grant_read(
        self, principal: Principal, *, scope: Construct | None = None, id: str | None = None
    ) -> ArtifactRegistryRepositoryIamMember:
        """Pull images. ``scope`` (default: this repository) decides which stack holds the grant, ``id``
        (default `<slug>-reader`) its logical id there."""
        return self._grant(principal, READER, scope, id)

    def grant_write(
        self, principal: Principal, *, scope: Construct | None = None, id: str | None = None
    ) -> ArtifactRegistryRepositoryIamMember:
        """Push new (immutable) tags; CI deployers only. ``scope`` (default: this repository) and ``id`` (default
        `<slug>-writer`) as for ``grant_read``."""
        return self._grant(principal, WRITER, scope, id)
