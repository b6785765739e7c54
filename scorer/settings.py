"""The scorer's settings, from the environment the team stack's Deployment sets (modules/kubernetes/workloads.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    subscription: str  # projects/<p>/subscriptions/<team>-<model>-scoring
    history_table: str  # <project>.<dataset>.prediction_history
    model_name: str
    model_version: str  # what the rows record as model_version
    model_url: str  # the model container's predict route (Vertex custom-container contract)
    metrics_port: int = 9090
    max_outstanding_messages: int = 100
    model_timeout_seconds: float = 10.0
    # PII_FEATURES: comma-separated names of the model's `pii: true` features (model.monitoring.features of the
    # team file); they are written to the policy-tagged pii_features column. Default none. The Deployment sets it
    # (modules/serving/streaming.py; docs/gke-serving.md "Scorer settings").
    pii_features: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Every problem at once, in one message, and the process stops (no traceback)."""
        env = dict(os.environ if env is None else env)
        required = ("SUBSCRIPTION", "HISTORY_TABLE", "MODEL_NAME", "MODEL_VERSION", "MODEL_URL")
        problems = []
        missing = [k for k in required if not env.get(k)]
        if missing:
            problems.append(f"missing environment variables: {', '.join(missing)}")
        numbers: dict[str, float] = {}
        for key, default, kind in (
            ("METRICS_PORT", "9090", int),
            ("MAX_OUTSTANDING_MESSAGES", "100", int),
            ("MODEL_TIMEOUT_SECONDS", "10", float),
        ):
            try:
                numbers[key] = kind(env.get(key, default))
            except ValueError:
                problems.append(f"{key} must be a {'whole ' if kind is int else ''}number, got {env.get(key)!r}")
                continue
            if numbers[key] <= 0:
                problems.append(f"{key} must be positive, got {env.get(key)!r}")
        if problems:
            raise SystemExit("scorer: " + "; ".join(problems))
        return cls(
            subscription=env["SUBSCRIPTION"],
            history_table=env["HISTORY_TABLE"],
            model_name=env["MODEL_NAME"],
            model_version=env["MODEL_VERSION"],
            model_url=env["MODEL_URL"],
            metrics_port=int(numbers["METRICS_PORT"]),
            max_outstanding_messages=int(numbers["MAX_OUTSTANDING_MESSAGES"]),
            model_timeout_seconds=float(numbers["MODEL_TIMEOUT_SECONDS"]),
            pii_features=frozenset(n.strip() for n in env.get("PII_FEATURES", "").split(",") if n.strip()),
        )
