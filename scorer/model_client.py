"""Calls the model container over HTTP with the Vertex AI custom-container contract: POST
``{"instances": [...]}``, answer ``{"predictions": [...]}`` in the same order
(https://cloud.google.com/vertex-ai/docs/predictions/custom-container-requirements#request_requirements and
#response_requirements). The same image serves on a Vertex endpoint and beside the scorer."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class ModelError(Exception):
    """The model did not answer with a prediction (transport error, non-2xx status, malformed body)."""


def predict(url: str, instance: dict[str, Any], timeout: float) -> Any:
    body = json.dumps({"instances": [instance]}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ModelError(f"model call failed: {exc}") from exc
    predictions = answer.get("predictions") if isinstance(answer, dict) else None
    if not isinstance(predictions, list) or len(predictions) != 1:
        raise ModelError(f"model answered without exactly one prediction: {str(answer)[:200]}")
    return predictions[0]
