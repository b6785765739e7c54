"""Google-managed service agents of a team project (Vertex AI, Pub/Sub, Workflows) and what they may use.

Service agents act for the team inside Google services: Vertex AI writes request logs and
batch outputs into BigQuery and encrypts endpoints, Pub/Sub encrypts topics and writes the
BigQuery subscription, Workflows encrypts workflow state. Their e-mail needs the project
number, read from a data source. Each key grant is made once per (service, key).
"""
from __future__ import annotations

from cdktn_provider_google.data_google_project import DataGoogleProject
from cdktn_provider_google.kms_crypto_key_iam_member import KmsCryptoKeyIamMember
from constructs import Construct

from modules.kms import grant_encrypt_decrypt

AGENT_DOMAINS = {
    "aiplatform": "gcp-sa-aiplatform",
    "pubsub": "gcp-sa-pubsub",
    "workflows": "gcp-sa-workflows",
}


class ServiceAgents(Construct):
    def __init__(self, scope: Construct, id: str, *, project: str):
        super().__init__(scope, id)
        self.project = DataGoogleProject(self, "project", project_id=project)
        self._key_grants: dict[str, KmsCryptoKeyIamMember] = {}

    def member(self, service: str) -> str:
        return f"serviceAccount:service-{self.project.number}@{AGENT_DOMAINS[service]}.iam.gserviceaccount.com"

    def grant_key(self, service: str, key_id: str) -> KmsCryptoKeyIamMember:
        """Encrypt/decrypt on one key for one agent (idempotent: one grant per agent)."""
        if service not in self._key_grants:
            self._key_grants[service] = grant_encrypt_decrypt(self, f"{service}-key", key_id=key_id,
                                                              member=self.member(service))
        return self._key_grants[service]
