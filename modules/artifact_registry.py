"""The platform's Docker repository for serving images: CMEK, immutable tags, grants as methods."""
from __future__ import annotations

from cdktn_provider_google.artifact_registry_repository import ArtifactRegistryRepository
from cdktn_provider_google.artifact_registry_repository_iam_member import ArtifactRegistryRepositoryIamMember
from constructs import Construct

READER = "roles/artifactregistry.reader"
WRITER = "roles/artifactregistry.writer"


class ServingImageRepository(Construct):
    """Immutable tags: a tag that reached production can never be repointed to other code."""

    def __init__(self, scope: Construct, id: str, *, repository_id: str, project: str, location: str,
                 kms_key_id: str, depends_on: list | None = None):
        super().__init__(scope, id)
        self.project = project
        self.location = location
        self.repository_id = repository_id
        self.repository = ArtifactRegistryRepository(
            self, "repository",
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

    def _grant(self, scope: Construct, id: str, role: str, member: str) -> ArtifactRegistryRepositoryIamMember:
        # Plain names (not tokens) so team stacks granting on the repository need no remote state.
        return ArtifactRegistryRepositoryIamMember(
            scope, id, project=self.project, location=self.location,
            repository=self.repository_id, role=role, member=member)

    def grant_read(self, scope: Construct, id: str, member: str) -> ArtifactRegistryRepositoryIamMember:
        """Pull images. ``scope`` decides which stack holds the grant."""
        return self._grant(scope, id, READER, member)

    def grant_write(self, scope: Construct, id: str, member: str) -> ArtifactRegistryRepositoryIamMember:
        """Push new (immutable) tags; CI deployers only."""
        return self._grant(scope, id, WRITER, member)
