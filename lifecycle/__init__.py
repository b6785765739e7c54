"""Model lifecycle: model cards, governance gates, Vertex AI registry/deploy/monitoring, audit events.

Terraform has no resources for uploading, deploying or monitoring models, so these steps are
CLI commands over the official SDKs (google-cloud-aiplatform, google-cloud-logging).
"""
