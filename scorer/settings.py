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
    # team file); they are written to the policy-tagged pii_features column. Default none. The Deployment's env
    # is set by modules/serving/streaming.py (owned elsewhere; see docs/gke-serving.md "Scorer settings").
    pii_features: frozenset[str] = frozenset()
    # HISTORY_EVENT_TIME: where the event's event_time goes. `features` (default): into the features JSON, because
    # prediction_history has no event_time column today; `column`: into a NULLABLE TIMESTAMP column `event_time`,
    # once modules/metadata_tables.py adds it (scorer/README.md, "event_time").
    event_time_column: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        required = ("SUBSCRIPTION", "HISTORY_TABLE", "MODEL_NAME", "MODEL_VERSION", "MODEL_URL")
        problems = []
        missing = [k for k in required if not env.get(k)]
        if missing:
            problems.append(f"missing environment variables: {', '.join(missing)}")
        where = env.get("HISTORY_EVENT_TIME", "features")
        if where not in ("features", "column"):
            problems.append(f"HISTORY_EVENT_TIME must be features or column, got {where!r}")
        if problems:  # all of them at once
            raise SystemExit("scorer: " + "; ".join(problems))
        return cls(
            subscription=env["SUBSCRIPTION"],
            history_table=env["HISTORY_TABLE"],
            model_name=env["MODEL_NAME"],
            model_version=env["MODEL_VERSION"],
            model_url=env["MODEL_URL"],
            metrics_port=int(env.get("METRICS_PORT", "9090")),
            max_outstanding_messages=int(env.get("MAX_OUTSTANDING_MESSAGES", "100")),
            model_timeout_seconds=float(env.get("MODEL_TIMEOUT_SECONDS", "10")),
            pii_features=frozenset(n.strip() for n in env.get("PII_FEATURES", "").split(",") if n.strip()),
            event_time_column=where == "column",
        )
