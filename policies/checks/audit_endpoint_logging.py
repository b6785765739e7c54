"""MLOPS_AUDIT_1: every online endpoint logs requests and responses to BigQuery."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr


class EndpointRequestResponseLogging(ResourceRule):
    id = "MLOPS_AUDIT_1"
    title = "Request/response logging enabled on every Vertex AI endpoint"
    why = "Historical predictions must be kept for audit (what did the model answer last March) and feed quality, drift and accuracy jobs."
    capability = "governance: historical predictions kept for audit"
    fix = "Use the online pattern's endpoint construct; it enables predict_request_response_logging_config into the team dataset."
    severity = "HIGH"
    model_field = ("logging",)
    supported = ("google_vertex_ai_endpoint",)

    def problems(self, conf):
        logging = attr(conf, "predict_request_response_logging_config")
        if not isinstance(logging, dict) or attr(logging, "enabled") is not True:
            return ["predict_request_response_logging_config.enabled is not true"]
        if not attr(logging, "bigquery_destination", "output_uri"):
            return ["predict_request_response_logging_config.bigquery_destination.output_uri is not set"]
        return []


check = EndpointRequestResponseLogging()
