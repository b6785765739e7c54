"""The environment of a model's serving container on the cluster: the Vertex AI custom-container contract the same
image serves on an endpoint (https://cloud.google.com/vertex-ai/docs/predictions/custom-container-requirements#aip-variables),
so one image runs on either runtime.

``AIP_STORAGE_URI`` ("a Cloud Storage URI of the directory containing the model artifacts" on that page) is set when
the team file records the registered version's ``serving.artifact_uri`` (written by `modelops deploy`). On Vertex AI
it names the service's copy of the artifacts; here it names the registered location itself, which the team's
serving account must be able to read (docs/gke-serving.md, "Model version and artifacts").
"""

from __future__ import annotations

from config.model import Model


def model_container_env(model: Model, port: int, predict_route: str, health_route: str) -> dict[str, str]:
    env = {
        "AIP_HTTP_PORT": str(port),
        "AIP_PREDICT_ROUTE": predict_route,
        "AIP_HEALTH_ROUTE": health_route,
    }
    if model.serving.artifact_uri is not None:
        env["AIP_STORAGE_URI"] = model.serving.artifact_uri
    return env


def pii_features_env(model: Model) -> str:
    """``PII_FEATURES``: the comma-separated names of the model's ``pii: true`` features, which whoever writes
    prediction_history (the scorer, a gke model's own container) puts in the policy-tagged ``pii_features`` column,
    never in ``features`` (issue 13 review, item 4; docs/gke-serving.md)."""
    return ",".join(f.name for f in model.monitoring.features if f.pii)
