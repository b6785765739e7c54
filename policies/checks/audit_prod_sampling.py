"""MLOPS_AUDIT_2: production endpoints log at least the policy's share of predictions."""

from __future__ import annotations

from config.model import DEFAULT_PRODUCTION_NAMES
from policies.rulebase import ResourceRule, attr

MIN_PROD_SAMPLE_RATE = 0.1


class ProdSamplingRate(ResourceRule):
    id = "MLOPS_AUDIT_2"
    title = f"Production endpoints log at least {MIN_PROD_SAMPLE_RATE:.0%} of predictions"
    why = "Audit and accuracy measurements need enough logged predictions; a near-zero sampling rate defeats them."
    capability = "governance: historical predictions kept for audit"
    fix = f"Raise the model's `logging.sample_rate` to at least {MIN_PROD_SAMPLE_RATE}."
    severity = "MEDIUM"
    model_field = ("logging", "sample_rate")
    supported = ("google_vertex_ai_endpoint",)

    def problems(self, conf):
        # its stack's environment (platform.yaml `production:`); the env label only for a resource outside a stack
        env = self.where.env or attr(conf, "labels", "env")
        production = self.where.production if self.where.env else env in DEFAULT_PRODUCTION_NAMES
        if not production:
            return []
        rate = attr(conf, "predict_request_response_logging_config", "sampling_rate")
        if attr(conf, "predict_request_response_logging_config", "enabled") is not True:
            return []  # MLOPS_AUDIT_1 reports disabled logging
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate < MIN_PROD_SAMPLE_RATE:
            return [
                f"logging.sample_rate {rate} is below {MIN_PROD_SAMPLE_RATE} in {env} "
                "(predict_request_response_logging_config.sampling_rate)"
            ]
        return []


check = ProdSamplingRate()
