"""Streaming pattern: Pub/Sub topic with an Avro schema (CMEK), a scoring subscription with a
dead-letter topic, a BigQuery subscription that archives every event into the team dataset, alerts.

The scoring service (on the team's GKE namespace, as the team's serving service account) pulls
from the scoring subscription and writes its predictions into prediction_history; events that
fail `streaming.max_delivery_attempts` times move to the dead-letter topic, where a hold
subscription keeps them for inspection and replay.
"""

from __future__ import annotations

import json
from typing import Any

from cdktn_provider_google.pubsub_schema import PubsubSchema
from cdktn_provider_google.pubsub_subscription import PubsubSubscription
from cdktn_provider_google.pubsub_subscription_iam_member import PubsubSubscriptionIamMember
from cdktn_provider_google.pubsub_topic import PubsubTopic
from cdktn_provider_google.pubsub_topic_iam_member import PubsubTopicIamMember
from constructs import Construct

from config import names, patterns
from config.model import Model
from config.names import AccountKind
from metric_catalogue.thresholds import Quantity, declare
from modules import metadata_tables
from modules.kubernetes.workloads import METRICS_PORT_NAME, Container, ModelWorkload
from modules.monitoring import filters, promql
from modules.monitoring.alerts import AlertSpec, aggregation, promql_condition, threshold
from modules.monitoring.dashboards import chart, promql_chart, series
from modules.principal import Principal
from modules.serving.context import ModelContext
from modules.serving.model_container import model_container_env, pii_features_env
from modules.serving.pattern import ServingPattern

AVRO_TYPES: dict[str, Any] = {
    "STRING": "string",
    "INT64": "long",
    "FLOAT64": "double",
    "BOOL": "boolean",
    "TIMESTAMP": {"type": "long", "logicalType": "timestamp-micros"},
}
ACK_DEADLINE_SECONDS = 60
SCORER_IMAGE = "scorer"  # the platform's scorer (scorer/) in the serving-images repository
SCORER_METRICS_PORT = 9090  # scorer/settings.py METRICS_PORT default
SCORER_HEALTH_ROUTE = "/healthz"  # served by the scorer on METRICS_PORT (docs/gke-serving.md, "Scorer settings")
MODEL_PORT = 8080
MODEL_PREDICT_ROUTE = "/predict"
MODEL_HEALTH_ROUTE = "/health"
HOLD_RETENTION = f"{7 * 24 * 3600}s"


def scorer_env(ctx: ModelContext, subscription_id: str) -> dict[str, str]:
    """The scorer's settings (scorer/settings.py ``Settings.from_env``)."""
    model = ctx.model
    return {
        "SUBSCRIPTION": f"projects/{ctx.project}/subscriptions/{subscription_id}",
        "HISTORY_TABLE": f"{ctx.project}.{ctx.dataset.dataset_id}.{names.PREDICTION_HISTORY_TABLE}",
        "MODEL_NAME": model.name,
        "MODEL_VERSION": model.serving.model_version or "",
        "MODEL_URL": f"http://127.0.0.1:{MODEL_PORT}{MODEL_PREDICT_ROUTE}",
        "METRICS_PORT": str(SCORER_METRICS_PORT),
        # Written to the policy-tagged pii_features column, never to `features` (issue 13 review, item 4).
        "PII_FEATURES": pii_features_env(model),
    }


def avro_schema(ctx: ModelContext) -> dict[str, Any]:
    """The event contract: request id, event time and every feature (nullable: missing features are measured)."""
    fields = [
        {"name": "request_id", "type": "string"},
        {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    ]
    fields += [
        {"name": f.name, "type": ["null", AVRO_TYPES[f.type]], "default": None} for f in ctx.model.monitoring.features
    ]
    return {
        "type": "record",
        "name": ctx.model.name.replace("-", "_") + "_event",
        "namespace": f"modelops.{ctx.team.name.replace('-', '_')}",
        "fields": fields,
    }


class StreamingPipeline(ServingPattern):
    spec = patterns.STREAMING

    def __init__(self, scope: Construct, id: str, *, ctx: ModelContext):
        super().__init__(scope, id, ctx=ctx)
        model, streaming = ctx.model, ctx.model.streaming
        key_grant = ctx.agents.key_grant("pubsub")
        self.archive_table_id = names.stream_archive_table(model.name)
        storage = {"allowed_persistence_regions": [ctx.region], "enforce_in_transit": True}
        retention = f"{streaming.message_retention_hours * 3600}s"
        self.schema = PubsubSchema(
            self,
            "schema",
            project=ctx.project,
            name=ctx.resource_name("events"),
            type="AVRO",
            definition=json.dumps(avro_schema(ctx)),
        )
        self.topic = PubsubTopic(
            self,
            "topic",
            project=ctx.project,
            deletion_policy="PREVENT",  # messages in flight and held dead letters (MLOPS_DATA_1)
            name=ctx.resource_name("events"),
            kms_key_name=ctx.keys["pubsub"],
            labels=ctx.labels,
            message_storage_policy=storage,
            message_retention_duration=retention,
            schema_settings={"schema": self.schema.id, "encoding": "JSON"},
            depends_on=[key_grant],
        )
        self.dead_letter_topic = PubsubTopic(
            self,
            "dead-letter-topic",
            project=ctx.project,
            deletion_policy="PREVENT",  # messages in flight and held dead letters (MLOPS_DATA_1)
            name=ctx.resource_name("dead-letter"),
            kms_key_name=ctx.keys["pubsub"],
            labels=ctx.labels,
            message_storage_policy=storage,
            message_retention_duration=retention,
            depends_on=[key_grant],
        )
        self.scoring_subscription_id = ctx.resource_name("scoring")
        self.scoring = PubsubSubscription(
            self,
            "scoring",
            project=ctx.project,
            deletion_policy="PREVENT",  # messages in flight and held dead letters (MLOPS_DATA_1)
            name=self.scoring_subscription_id,
            topic=self.topic.id,
            labels=ctx.labels,
            ack_deadline_seconds=ACK_DEADLINE_SECONDS,
            message_retention_duration=retention,
            expiration_policy={"ttl": ""},
            retry_policy={"minimum_backoff": "10s", "maximum_backoff": "600s"},
            dead_letter_policy={
                "dead_letter_topic": self.dead_letter_topic.id,
                "max_delivery_attempts": streaming.max_delivery_attempts,
            },
        )
        self.dead_letter_hold = PubsubSubscription(
            self,
            "dead-letter-hold",
            project=ctx.project,
            deletion_policy="PREVENT",  # messages in flight and held dead letters (MLOPS_DATA_1)
            name=ctx.resource_name("dead-letter-hold"),
            topic=self.dead_letter_topic.id,
            labels=ctx.labels,
            ack_deadline_seconds=ACK_DEADLINE_SECONDS,
            message_retention_duration=HOLD_RETENTION,
            expiration_policy={"ttl": ""},
        )
        self.archive_table = ctx.add_table(self, "archive-table", metadata_tables.stream_archive(model))
        # The BigQuery subscription writes as the Pub/Sub service agent: write access to this table only.
        self.archive_writer = ctx.dataset.grant_table_write(
            ctx.agents.principal("pubsub"), self.archive_table_id, scope=self
        )
        self.archive = PubsubSubscription(
            self,
            "archive",
            project=ctx.project,
            deletion_policy="PREVENT",  # messages in flight and held dead letters (MLOPS_DATA_1)
            name=ctx.resource_name("archive"),
            topic=self.topic.id,
            labels=ctx.labels,
            expiration_policy={"ttl": ""},
            bigquery_config={
                "table": f"{ctx.project}.{ctx.dataset.dataset_id}.{self.archive_table.table_id}",
                "use_topic_schema": True,
                "write_metadata": True,
                "drop_unknown_fields": True,
            },
            depends_on=[self.archive_table, self.archive_writer],
        )
        # Dead-lettering is done by the Pub/Sub service agent: it must publish to the dead-letter
        # topic and acknowledge (subscribe) on the source subscription.
        agent = ctx.agents.member("pubsub")
        PubsubTopicIamMember(
            self,
            "dead-letter-publisher",
            project=ctx.project,
            topic=self.dead_letter_topic.name,
            role="roles/pubsub.publisher",
            member=agent,
        )
        PubsubSubscriptionIamMember(
            self,
            "dead-letter-subscriber",
            project=ctx.project,
            subscription=self.scoring.name,
            role="roles/pubsub.subscriber",
            member=agent,
        )
        self.consumer = self.grant_consume(ctx.principal(AccountKind.SERVING))
        # The scorer runs once a model version is deployed (`serving.image`, written by `modelops deploy`).
        self.scorer = self._scorer(ctx) if ctx.namespace is not None and ctx.model.serving.image else None

    def _scorer(self, ctx: ModelContext) -> ModelWorkload:
        """The platform's scorer and the model container it calls, one pod, in the team namespace."""
        model = ctx.model
        if ctx.scorer_digest is None or model.serving.image is None:
            raise ValueError(f"{model.name}: serving.image needs gke.scorer_digest in platform.yaml (config/loader.py)")
        workload = ModelWorkload(
            self,
            "scorer",
            name=names.scorer_workload(model.name),
            namespace=ctx.namespace,
            containers=[
                Container(
                    "scorer",
                    ctx.image(f"{SCORER_IMAGE}@{ctx.scorer_digest}"),
                    env=scorer_env(ctx, self.scoring_subscription_id),
                    ports={METRICS_PORT_NAME: SCORER_METRICS_PORT},
                    # 200 while the Pub/Sub subscriber runs, 503 once it stopped (scorer/, on METRICS_PORT).
                    probe=(SCORER_HEALTH_ROUTE, SCORER_METRICS_PORT),
                ),
            ],
            # The model runs as a native sidecar: up (answering its health route) before the scorer pulls, and
            # stopped only after the scorer has drained its events in flight (issue 13 review, item 9).
            sidecars=(
                Container(
                    "model",
                    ctx.image(model.serving.image),
                    env=model_container_env(model, MODEL_PORT, MODEL_PREDICT_ROUTE, MODEL_HEALTH_ROUTE),
                    ports={"http": MODEL_PORT},
                    probe=(MODEL_HEALTH_ROUTE, MODEL_PORT),
                ),
            ),
            sizing=model.streaming.scorer,
            metrics_port=SCORER_METRICS_PORT,
            labels={"team": ctx.team.name, "model": model.name},
            # The pods consume and write as the serving account from their first start.
            depends_on=[self.consumer, *ctx.dataset_grants],
        )
        return workload

    def grant_consume(self, principal: Principal) -> PubsubSubscriptionIamMember:
        """Let a scoring service pull and acknowledge events."""
        return PubsubSubscriptionIamMember(
            self,
            f"{principal.slug}-subscriber",
            project=self.ctx.project,
            subscription=self.scoring.name,
            role="roles/pubsub.subscriber",
            member=principal.member,
        )

    def grant_publish(self, principal: Principal) -> PubsubTopicIamMember:
        """Let a producer publish events."""
        return PubsubTopicIamMember(
            self,
            f"{principal.slug}-publisher",
            project=self.ctx.project,
            topic=self.topic.name,
            role="roles/pubsub.publisher",
            member=principal.member,
        )

    @staticmethod
    def dashboard_tiles(team: str, env: str, model: Model) -> list[dict[str, Any]]:
        scoring = names.model_resource_name(team, model.name, "scoring")
        events = names.model_resource_name(team, model.name, "events")
        return [
            chart(
                "Successful publish requests (per s)",
                [
                    series(
                        filters.published(events),
                        "ALIGN_RATE",
                        reducer="REDUCE_SUM",
                        group_by=["resource.label.topic_id"],
                    )
                ],
                y_label="requests/s",
            ),
            chart(
                "Oldest unacknowledged event (s)",
                [series(filters.subscription(filters.OLDEST_UNACKED_AGE, scoring), "ALIGN_MAX")],
                thresholds=[Quantity(model.streaming.max_oldest_unacked_seconds, "s")],
                y_label="s",
            ),
            chart(
                "Dead-lettered events", [series(filters.subscription(filters.DEAD_LETTER_COUNT, scoring), "ALIGN_SUM")]
            ),
            # The scorer's own series (Managed Prometheus), once it runs (`serving.image`, as the Deployment).
            *(
                [
                    promql_chart(
                        "Scorer error ratio (nacked per handled event)",
                        promql.scorer_error_ratio(names.scope_id(team), names.scorer_workload(model.name)),
                        "ratio",
                    ),
                    promql_chart(
                        "Scorer model-call latency p99 (s)",
                        promql.scorer_latency_p99(names.scope_id(team), names.scorer_workload(model.name)),
                        "s",
                    ),
                ]
                if model.serving.image
                else []
            ),
        ]

    def alert_specs(self) -> list[AlertSpec]:
        streaming = self.ctx.model.streaming
        sub = self.scoring_subscription_id
        events = self.ctx.resource_name("events")
        minimum = self.ctx.model.monitoring.min_predictions_per_hour
        traffic = (
            []
            if minimum <= 0
            else [
                # Successful publish requests (send_request_count, response_class="success"): the deprecated
                # send_message_operation_count also counted failed publishes. A DELTA metric writes no
                # points when nobody publishes, so missing data counts as a breach.
                AlertSpec(
                    "stream-traffic-drop",
                    (
                        threshold(
                            "fewer successful publish requests in the last hour than the hourly minimum (or none at all)",
                            filters.published(events),
                            comparison="COMPARISON_LT",
                            value=Quantity(minimum, "1"),
                            duration="0s",
                            aggregations=[aggregation("ALIGN_SUM", "3600s", "REDUCE_SUM", ["resource.label.topic_id"])],
                            missing="EVALUATION_MISSING_DATA_ACTIVE",
                        ),
                    ),
                    detail=f"Topic: {events}; minimum {minimum} successful publish requests per hour "
                    "(a request may carry several events).",
                ),
            ]
        )
        scorer = (
            []
            if self.scorer is None
            else [
                # The scorer's own counters (Managed Prometheus, platform project: modules/serving/online_gke.py).
                AlertSpec(
                    "scorer-error-ratio",
                    (
                        promql_condition(
                            declare(
                                "nacked events per event handled above the error budget for 5 min",
                                self.ctx.model.monitoring.max_error_rate,
                                "1",
                            ),
                            promql.scorer_error_ratio_above(
                                self.scorer.namespace, self.scorer.name, self.ctx.model.monitoring.max_error_rate
                            ),
                            duration="300s",
                        ),
                    ),
                    detail=f"Deployment {self.scorer.name}, namespace {self.scorer.namespace}; threshold "
                    f"{self.ctx.model.monitoring.max_error_rate:g} (`monitoring.max_error_rate`).",
                ),
                # monitoring.latency_p99_ms of a streaming model: the p99 of the scorer's model calls (its histogram
                # modelops_scorer_latency_seconds, scorer/metrics.py), the streaming counterpart of an endpoint's
                # prediction latency.
                AlertSpec(
                    "scorer-latency-p99",
                    (
                        promql_condition(
                            declare(
                                "p99 model-call latency above the latency budget for 5 min",
                                Quantity(self.ctx.model.monitoring.latency_p99_ms, "ms").to("s"),
                                "s",
                            ),
                            promql.scorer_latency_p99_above(
                                self.scorer.namespace,
                                self.scorer.name,
                                Quantity(self.ctx.model.monitoring.latency_p99_ms, "ms").to("s"),
                            ),
                            duration="300s",
                        ),
                    ),
                    detail=f"Deployment {self.scorer.name}, namespace {self.scorer.namespace}; threshold "
                    f"{self.ctx.model.monitoring.latency_p99_ms:g} ms (`monitoring.latency_p99_ms`).",
                ),
            ]
        )
        return (
            traffic
            + scorer
            + [
                AlertSpec(
                    "stream-backlog-age",
                    (
                        threshold(
                            "oldest unacknowledged event older than the limit",
                            filters.subscription(filters.OLDEST_UNACKED_AGE, sub),
                            comparison="COMPARISON_GT",
                            value=Quantity(streaming.max_oldest_unacked_seconds, "s"),
                            duration="300s",
                            aggregations=[aggregation("ALIGN_MAX", "60s")],
                        ),
                    ),
                    detail=f"Subscription: {sub}; limit {streaming.max_oldest_unacked_seconds} s.",
                ),
                AlertSpec(
                    "stream-dead-letters",
                    (
                        threshold(
                            "events moved to the dead-letter topic",
                            filters.subscription(filters.DEAD_LETTER_COUNT, sub),
                            comparison="COMPARISON_GT",
                            value=Quantity(0, "1"),
                            duration="0s",
                            aggregations=[
                                aggregation("ALIGN_SUM", "600s", "REDUCE_SUM", ["resource.label.subscription_id"])
                            ],
                        ),
                    ),
                    detail=f"Dead-letter topic: {self.ctx.resource_name('dead-letter')}; "
                    f"after {streaming.max_delivery_attempts} delivery attempts.",
                ),
            ]
        )
