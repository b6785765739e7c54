"""One runbook per alert kind: the text every alert's documentation carries, and docs/runbooks/<kind>.md.

The catalog is the single source: alert documentation (what it means, the first three things to
check) is built from it and the markdown pages are rendered from it (`modelops docs` writes them,
scripts/docs/runbooks.py); a test fails when the files are stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from config import patterns

Severity = str  # "CRITICAL" | "ERROR" | "WARNING"
# The quality, drift and data alerts watch every model, whatever its serving pattern.
EVERY_PATTERN = tuple(patterns.PATTERNS)
PLATFORM_JOB = "none (a platform job)"  # what a runbook with no patterns shows


@dataclass(frozen=True)
class Runbook:
    kind: str
    title: str
    severity: Severity
    patterns: tuple[str, ...]
    signal: str  # metric or source the alert watches
    meaning: str
    checks: tuple[str, str, str]  # the first three things to check, in order
    remedies: tuple[str, ...]
    tuning: str  # which YAML field moves the threshold


RUNBOOKS: dict[str, Runbook] = {
    r.kind: r
    for r in (
        Runbook(
            "endpoint-latency-p99",
            "Online p99 latency above threshold",
            "ERROR",
            ("online",),
            "aiplatform.googleapis.com/prediction/online/prediction_latencies (latency_type=total), 99th percentile",
            "The slowest 1% of predictions take longer than the model's latency budget; callers may time out.",
            (
                "Replicas: is the endpoint at max replicas (see the replicas tile)? Saturation shows up as latency first.",
                "Recent deployments: did a new model version or container image go out just before the rise?",
                "Payload size and traffic mix: did request size or traffic jump (traffic tile, daily usage)?",
            ),
            (
                "Raise `serving.max_replicas` or use a larger `serving.machine_type`.",
                "Roll back with `modelops rollback` if a new version caused it.",
            ),
            "`monitoring.latency_p99_ms` in the team YAML.",
        ),
        Runbook(
            "endpoint-error-ratio",
            "Online error ratio above threshold",
            "CRITICAL",
            ("online",),
            "prediction/online/response_count with response_code 4xx or 5xx ÷ all prediction/online/response_count "
            "(per second over 5 min); no ratio (no error response, or no response at all) counts as no breach",
            "More requests fail than the model's error budget allows; callers receive errors. When the endpoint "
            "answers nothing at all the ratio has no data: the traffic-drop alert covers that.",
            (
                "Container logs of the deployed model (Logs Explorer, resource aiplatform.googleapis.com/Endpoint).",
                "Input schema: did a caller start sending new or missing fields (missing-features tile)?",
                "Recent deployments or dependency changes (model registry, prediction code hash label).",
            ),
            ("Roll back with `modelops rollback`.", "Fix the caller or the container and redeploy."),
            "`monitoring.max_error_rate` in the team YAML.",
        ),
        Runbook(
            "endpoint-traffic-drop",
            "Online predictions below the hourly minimum",
            "CRITICAL",
            ("online",),
            "prediction/online/prediction_count summed per hour; also fires when no data arrives at all",
            "The model is used less than expected or not at all: a caller broke, traffic was rerouted, "
            "or the endpoint has no deployed model. A model nobody calls has no business impact.",
            (
                "Deployed models: does the endpoint still have a deployed model with traffic share (`modelops deploy` history)?",
                "Callers: did the calling application deploy, fail, or switch endpoints (its own dashboards, network/PSC)?",
                "Time of day and calendar: is this a known quiet period that the threshold should allow?",
            ),
            ("Restore the deployment or the caller.", "Tell the business owner if usage genuinely dropped."),
            "`monitoring.min_predictions_per_hour` in the team YAML (0 disables the alert).",
        ),
        Runbook(
            "endpoint-replicas-at-max",
            "Online endpoint at its maximum replicas",
            "WARNING",
            ("online",),
            "prediction/online/replicas (minimum over 5 min) at `serving.max_replicas` for 15 minutes",
            "Autoscaling has no headroom left; more traffic will raise latency and errors.",
            (
                "Traffic: is the rise expected (campaign, seasonality) or a retry storm from a caller?",
                "CPU/accelerator utilisation per replica: is the model slower than before (new version)?",
                "Latency and error tiles: is the saturation already visible to callers?",
            ),
            ("Raise `serving.max_replicas` (and quota) or pick a larger machine type.",),
            "`serving.max_replicas` in the team YAML.",
        ),
        Runbook(
            "slo-burn-rate",
            "SLO error budget burning fast",
            "CRITICAL",
            ("online",),
            "select_slo_burn_rate over 1 hour on the model's latency or availability SLO",
            "At the current rate the 28-day error budget of the SLO will be spent within about two days.",
            (
                "Which SLO burns (latency or availability) — then follow that alert's runbook.",
                "Whether the latency, error-ratio or traffic alerts for the same model are also open.",
                "Recent changes: deployments, config, upstream dependencies.",
            ),
            ("Stop risky rollouts until the burn rate is below 1.", "Fix the cause; see the related runbooks."),
            "`monitoring.latency_p99_ms` (latency SLO threshold) and `monitoring.max_error_rate` (availability goal).",
        ),
        Runbook(
            "batch-run-failed",
            "Batch prediction run failed",
            "ERROR",
            ("batch",),
            "workflows.googleapis.com/finished_execution_count with status FAILED for the model's batch workflow",
            "The scheduled batch prediction did not complete; downstream consumers will read stale predictions.",
            (
                "The failed execution in Workflows (console: Workflows → executions): which step failed and its error.",
                "The Vertex AI batch prediction job named after the model: state, error, quota.",
                "The input partition for the run date in the batch input table: present and non-empty?",
            ),
            ('Fix the cause and start the workflow again with `{"day": "YYYY-MM-DD"}` as argument.',),
            "Not threshold-based; the schedule is `schedule` in the team YAML.",
        ),
        Runbook(
            "batch-run-duration",
            "Batch prediction run slower than its budget",
            "WARNING",
            ("batch",),
            "workflows.googleapis.com/execution_times (seconds) of the batch workflow, 99th percentile, against "
            "`latency_p99_ms` converted to seconds",
            "A batch run took longer than the model's latency budget (for batch models `latency_p99_ms` bounds "
            "the whole run): outputs arrive late for the people and systems that read them.",
            (
                "Input volume: did today's input partition grow (rows in the batch input table)?",
                "Batch job: was the Vertex AI batch prediction job queued for capacity or retried (job history)?",
                "Model version: did a slower model or container go out with the last `modelops promote`?",
            ),
            (
                "Move the schedule earlier or split the input.",
                "Roll back with `modelops rollback` if a new version caused it.",
            ),
            "`monitoring.latency_p99_ms` in the team YAML (the run's duration budget).",
        ),
        Runbook(
            "batch-output-missing",
            "Expected batch output partition missing",
            "ERROR",
            ("batch",),
            "custom.googleapis.com/modelops/batch/output_rows below 1, or not published for 25 hours",
            "Yesterday's partition of the batch output table is empty or absent, or the quality workflow "
            "did not run to check it.",
            (
                "Batch workflow executions for that day: did the scheduler start it and did it succeed?",
                "The team's model-quality workflow: did it run (it publishes this metric)?",
                "The output table partition itself (`scoring_date`) in BigQuery.",
            ),
            ("Rerun the batch workflow for the missing day.",),
            "Not threshold-based.",
        ),
        Runbook(
            "gke-latency-p99",
            "Online (GKE) p99 latency above threshold",
            "ERROR",
            ("online",),
            "histogram_quantile(0.99) of modelops_request_duration_seconds of the model's Deployment (Managed "
            "Prometheus, PromQL) over 5 min",
            "The slowest 1% of requests to the model's Deployment take longer than the latency budget; callers may "
            "time out.",
            (
                "Replicas: is the Deployment at its maximum (replicas tile, `gke-replicas-at-max`)? CPU throttling "
                "at the pod limit shows up as latency first.",
                "Recent rollouts: did a new `serving.image` go out just before the rise (git log of the team file)?",
                "Pods: `kubectl -n <team> get pods -l app.kubernetes.io/name=<model>-online`: restarts, not ready?",
            ),
            (
                "Raise `serving.max_replicas` or `serving.cpu`/`serving.memory`.",
                "Revert the pull request that changed `serving.image` if a new version caused it.",
            ),
            "`monitoring.latency_p99_ms` in the team YAML.",
        ),
        Runbook(
            "gke-error-ratio",
            "Online (GKE) error ratio above threshold",
            "CRITICAL",
            ("online",),
            "modelops_requests_total with code 4xx or 5xx ÷ all modelops_requests_total of the model's Deployment "
            "(PromQL, rate over 5 min); no requests, no ratio (zero traffic is `gke-traffic-drop`'s)",
            "More requests fail than the model's error budget allows; callers receive errors.",
            (
                "Status codes: 4xx (callers send bad payloads, a schema change?) or 5xx (the model fails)?",
                "The model container's logs (Cloud Logging, namespace <team>, container `model`).",
                "Recent rollouts of `serving.image`; readiness of the pods.",
            ),
            ("Revert the `serving.image` change; fix the caller's payloads; scale out if 5xx come from overload.",),
            "`monitoring.max_error_rate` in the team YAML.",
        ),
        Runbook(
            "gke-traffic-drop",
            "Online (GKE) traffic below minimum",
            "WARNING",
            ("online",),
            "increase of modelops_requests_total of the model's Deployment over 1 h (PromQL); no series counts as "
            "zero (`or vector(0)`)",
            "The model answers fewer requests than expected, or none: callers stopped calling, cannot reach the "
            "internal load balancer, or the container stopped exposing its metrics.",
            (
                "The Service: `kubectl -n <team> get svc <model>-online` has an internal address; callers use it?",
                "Pods ready and scraped: the PodMonitoring's targets (Managed Prometheus), the `metrics` port answers.",
                "Callers: a client release or a firewall change in the VPC (network policy `<model>-online-callers`).",
            ),
            ("Restore the callers' path; fix the container's metrics endpoint if requests flow but are not counted.",),
            "`monitoring.min_predictions_per_hour` in the team YAML (0 switches the alert off).",
        ),
        Runbook(
            "gke-replicas-at-max",
            "Online (GKE) Deployment at its maximum replicas",
            "WARNING",
            ("online",),
            "kube_deployment_status_replicas (kube state metrics, PromQL) at `serving.max_replicas` for 15 minutes",
            "The HorizontalPodAutoscaler has no headroom left; more traffic will raise latency and errors.",
            (
                "Traffic: is the rise expected (campaign, seasonality) or a retry storm from a caller?",
                "CPU per pod: is the model slower than before (new `serving.image`)?",
                "The team namespace's ResourceQuota: would more replicas fit (`namespace.quota`)?",
            ),
            ("Raise `serving.max_replicas` (and `namespace.quota`) or `serving.cpu`.",),
            "`serving.max_replicas` in the team YAML.",
        ),
        Runbook(
            "scorer-error-ratio",
            "Streaming scorer error ratio above threshold",
            "ERROR",
            ("streaming",),
            "modelops_scorer_errors_total ÷ (modelops_scorer_errors_total + modelops_scorer_predictions_total) of "
            "the model's scorer Deployment (PromQL, rate over 5 min)",
            "The scorer nacks more events than the error budget allows (the model call or the prediction_history "
            "write fails); Pub/Sub redelivers them and moves them to the dead-letter topic after the last attempt.",
            (
                "The `stage` label of modelops_scorer_errors_total: the model call or the history write?",
                "The scorer's and the model container's logs (namespace <team>, Deployment <model>-scorer).",
                "Recent rollouts of `serving.image` or `gke.scorer_digest`; BigQuery errors on prediction_history.",
            ),
            (
                "Revert the `serving.image` change; fix the history table's grant or schema; replay the dead "
                "letters once fixed.",
            ),
            "`monitoring.max_error_rate` in the team YAML.",
        ),
        Runbook(
            "scorer-latency-p99",
            "Streaming scorer model-call latency above threshold",
            "WARNING",
            ("streaming",),
            "histogram_quantile(0.99) of modelops_scorer_latency_seconds of the model's scorer Deployment (PromQL, "
            "rate over 5 min)",
            "The model answers the scorer more slowly than the latency budget at p99; events wait longer, the backlog "
            "grows and calls that pass MODEL_TIMEOUT_SECONDS are nacked.",
            (
                "The model container's CPU and memory against its limits (requests = limits: it cannot burst).",
                "The autoscaler: replicas at `streaming.scorer.max_replicas`? The backlog alert of the same model?",
                "Recent rollouts of `serving.image`; the model's own logs for slow requests.",
            ),
            (
                "Revert the `serving.image` change; raise `streaming.scorer.cpu`/`memory` or `max_replicas` within "
                "the namespace quota.",
            ),
            "`monitoring.latency_p99_ms` in the team YAML.",
        ),
        Runbook(
            "stream-backlog-age",
            "Streaming backlog: oldest unacknowledged message too old",
            "ERROR",
            ("streaming",),
            "pubsub.googleapis.com/subscription/oldest_unacked_message_age on the scoring subscription",
            "The scoring service is not keeping up or has stopped; predictions arrive late.",
            (
                "The scoring service's pods in the team namespace: running, crash-looping, scaled to zero?",
                "Its logs for acknowledgement errors or slow processing.",
                "Publish rate: did event volume spike?",
            ),
            ("Scale the scoring service; fix crashes; messages are retained, nothing is lost until retention.",),
            "`streaming.max_oldest_unacked_seconds` in the team YAML.",
        ),
        Runbook(
            "stream-traffic-drop",
            "Streaming events below the hourly minimum",
            "CRITICAL",
            ("streaming",),
            "pubsub.googleapis.com/topic/send_request_count with response_class success (successful publish "
            "requests) summed per hour; also fires when no data arrives",
            "Fewer events reach the model than expected, or none: a producer broke, was rerouted or has its "
            "publishes rejected. A model that receives no events has no business impact. The count is of publish "
            "requests; a producer that batches several events per request publishes fewer requests than events.",
            (
                "Producers: did the publishing application deploy, fail, or lose its publisher role on the topic?",
                "Topic schema: are publishes rejected because events no longer match the Avro schema (publish errors)?",
                "Time of day and calendar: is this a known quiet period that the threshold should allow?",
            ),
            ("Restore the producer.", "Tell the business owner if usage genuinely dropped."),
            "`monitoring.min_predictions_per_hour` in the team YAML, in publish requests per hour for a streaming "
            "model (0 disables the alert).",
        ),
        Runbook(
            "stream-dead-letters",
            "Streaming events going to the dead-letter topic",
            "WARNING",
            ("streaming",),
            "pubsub.googleapis.com/subscription/dead_letter_message_count on the scoring subscription",
            "Events failed delivery `streaming.max_delivery_attempts` times and were moved to the dead-letter topic.",
            (
                "A sample of dead-lettered messages (pull from the dead-letter hold subscription): schema or payload problem?",
                "Scoring service errors around the same time.",
                "Recent schema or producer changes.",
            ),
            ("Fix the producer or the scorer, then replay the dead-lettered messages.",),
            "`streaming.max_delivery_attempts` in the team YAML.",
        ),
        Runbook(
            "model-accuracy-low",
            "Model accuracy below the minimum",
            "ERROR",
            EVERY_PATTERN,
            "custom.googleapis.com/modelops/quality/accuracy (last 30 days of labelled predictions)",
            "Predictions agree with ground truth less often than the team's minimum: the model may have decayed.",
            (
                "Drift tile: did input features shift against the training baseline?",
                "Ground truth: is the label feed complete and on time (labelled_rows in model_quality)?",
                "Recent model versions: did a new version go out?",
            ),
            ("Retrain on recent data, or roll back.",),
            "`monitoring.min_accuracy` in the team YAML.",
        ),
        Runbook(
            "model-rmse-high",
            "Model RMSE above the maximum",
            "ERROR",
            EVERY_PATTERN,
            "custom.googleapis.com/modelops/quality/rmse (last 30 days of labelled predictions)",
            "Regression errors are larger than the team's maximum: the model may have decayed.",
            (
                "Drift tile: did input features shift against the training baseline?",
                "Ground truth: complete and on time?",
                "Outliers: is MAE stable while RMSE rose (a few large errors)?",
            ),
            ("Retrain on recent data, or roll back.",),
            "`monitoring.max_rmse` in the team YAML.",
        ),
        Runbook(
            "feature-drift",
            "Feature drift (PSI) above threshold",
            "WARNING",
            EVERY_PATTERN,
            "custom.googleapis.com/modelops/data/drift_psi per feature, vs the training baseline",
            "Serving data for a feature no longer looks like the training data (PSI > 0.2 is usually material).",
            (
                "Which features drift (metric label `feature`) and since when (drift table).",
                "Upstream data pipelines: a changed unit, encoding or default value?",
                "Whether accuracy is also dropping.",
            ),
            ("Fix the upstream change, or retrain and refresh the baseline.",),
            "`monitoring.drift_threshold`, or `drift_threshold` on a single feature.",
        ),
        Runbook(
            "missing-features",
            "Share of predictions with a missing feature above threshold",
            "WARNING",
            EVERY_PATTERN,
            "custom.googleapis.com/modelops/data/missing_feature_ratio per feature",
            "Too many requests arrive without a feature the model needs; predictions fall back to defaults.",
            (
                "Which feature (metric label `feature`) and which callers send it empty.",
                "Upstream data pipelines and feature store freshness.",
                "Recent caller releases.",
            ),
            ("Fix the caller or pipeline.",),
            "`monitoring.max_missing_feature_ratio` in the team YAML.",
        ),
        Runbook(
            "endpoint-logging-changed",
            "Request-response logging of the endpoint changed",
            "CRITICAL",
            ("online",),
            "Cloud Audit Logs (Admin Activity): EndpointService.UpdateEndpoint with predict_request_response_logging_config "
            "in the update mask, on this endpoint",
            "Someone changed what the endpoint logs: request-response logging is the record of every prediction "
            "(prediction history, audit). Switching it off or pointing it at another table hides predictions; the "
            "lifecycle CLI never changes it (it updates only the traffic split), so this was done by hand.",
            (
                "Who: protoPayload.authenticationInfo.principalEmail of the audit entry (the incident links it); "
                "admins and the deployer hold aiplatform.endpoints.update, developers too outside production.",
                "What: the endpoint's predictRequestResponseLoggingConfig now (gcloud ai endpoints describe) against "
                "the team file's logging.sample_rate and the request_log_<model> table.",
                "When: predictions served since then may be missing from request_log_<model> and prediction_history.",
            ),
            (
                "Re-apply the team stack (`cdktn deploy team-<team>-<env>`): Terraform sets the logging config back.",
                "Treat an unexplained change as a security incident (docs/access.md, Exceptions).",
            ),
            "Not tunable: every such change alerts.",
        ),
        Runbook(
            "usage-drop",
            "Weekly usage fell more than the model's threshold",
            "WARNING",
            EVERY_PATTERN,
            "custom.googleapis.com/modelops/scorecard/value/usage_change_week (the scorecard workflow, platform "
            "project): predictions of the latest complete ISO week against the week before",
            "The model served markedly fewer predictions last week than the week before. Nothing is broken "
            "necessarily: a business process may have changed, a consumer may have switched to another model, or "
            "an upstream system may have stopped calling. The business owner decides whether it matters; the team "
            "checks that it is not an outage.",
            (
                "Outage or real? The team dashboard's daily usage and error tiles for the model: a fall to zero with "
                "errors is an incident for the team's on-call, not a business question.",
                "Who consumes it: ask the consuming teams whether their process, traffic or integration changed "
                "(the model's KPI and impact owner are in the report, `modelops report --team <team>`).",
                "Seasonality: compare with the same weeks last year or month (the report's usage trend).",
            ),
            (
                "Record the cause and the decision (keep, retrain, retire) at the monthly review (docs/scorecard.md).",
                "If the fall is expected and lasting, lower the threshold or accept it; if the model is no longer "
                "needed, retire it.",
            ),
            "`impact.usage_drop_alert` of the model in the team YAML (default 0.3 = a 30 % fall).",
        ),
        Runbook(
            "scorecard-run-failed",
            "Scorecard run failed",
            "ERROR",
            (),
            "workflows.googleapis.com/finished_execution_count with status FAILED for the modelops-scorecard "
            "workflow (platform project of the production environment)",
            "The daily scorecard workflow ended FAILED. Each measure group (adoption, delivery, value, governance) "
            "runs on its own, so the groups that did not fail wrote this month's rows; the failed ones keep their "
            "previous run's rows (each group replaces its rows in one transaction), and no scorecard metric was "
            "published today. The monthly report and the usage-drop alerts read stale numbers until a run succeeds.",
            (
                "The failed execution (console: Workflows → modelops-scorecard → executions): its error lists each "
                "failed group with the BigQuery error (`failed[].error.message`).",
                "The failed group's BigQuery job in the platform project (job history): a missing table or column "
                "(a team summary table not created yet, a sink table renamed), a lost grant of the "
                "modelops-scorecard account, or quota.",
                "Whether something changed the night before: a platform or team stack apply, a team removed or "
                "added in production, a change to modules/scorecard/sql/.",
            ),
            (
                'Fix the cause, then run the workflow again for the day: argument `{"day": "YYYY-MM-DD"}` '
                "(yesterday also publishes the metrics).",
                "A team table missing because its stack is not applied yet: apply the team stack; the next run "
                "recovers on its own.",
            ),
            "Not threshold-based: every failed execution alerts. The schedule is `DEFAULT_SCHEDULE` in "
            "modules/scorecard/job.py.",
        ),
        Runbook(
            "scorecard-stale",
            "Scorecard not refreshed for 26 hours",
            "WARNING",
            (),
            "workflows.googleapis.com/finished_execution_count with status SUCCEEDED for the modelops-scorecard "
            "workflow: none in the last 25 hours, for one more hour",
            "No scorecard run has succeeded for about a day: the scorecard table, the report and the scorecard "
            "metrics (and the usage-drop alerts, which read them) show older numbers. Either runs fail (see "
            "scorecard-run-failed) or none ran: the Cloud Scheduler job did not start the workflow, or an "
            "execution is still running.",
            (
                "Executions of modelops-scorecard (console: Workflows): failed ones (follow scorecard-run-failed), "
                "one still running (a BigQuery job waiting on slots or locks), or none since yesterday.",
                "The Cloud Scheduler job modelops-scorecard: paused, or its last attempt failed (the job's status "
                "and logs: permission to invoke the workflow, the account).",
                "The modelops-scorecard workflow and account exist and the workflow's last revision deployed "
                "(a platform stack apply that failed half-way).",
            ),
            (
                "Resume the scheduler job or fix its invoker grant; run the workflow once by hand "
                "(empty argument: yesterday).",
                "If an execution hangs, cancel it and run again.",
            ),
            "26 hours: 25 hours of alignment (the longest an alert policy takes) held for one hour "
            "(modules/scorecard/run_alerts.py).",
        ),
    )
}


# What each alert kind watches, in the policy gate's terms: MLOPS_MON_1 requires a latency, an
# errors and a traffic alert per model and reads this from the policy's `user_labels.signal`.
WATCHES: dict[str, str] = {
    "endpoint-latency-p99": "latency",
    "endpoint-error-ratio": "errors",
    "endpoint-traffic-drop": "traffic",
    "endpoint-replicas-at-max": "capacity",
    "slo-burn-rate": "slo",
    "batch-run-failed": "errors",
    "batch-run-duration": "latency",
    "batch-output-missing": "traffic",
    "stream-backlog-age": "latency",
    "stream-dead-letters": "errors",
    "stream-traffic-drop": "traffic",
    "gke-latency-p99": "latency",
    "gke-error-ratio": "errors",
    "gke-traffic-drop": "traffic",
    "gke-replicas-at-max": "capacity",
    "scorer-error-ratio": "errors",
    "scorer-latency-p99": "latency",
    "model-accuracy-low": "quality",
    "model-rmse-high": "quality",
    "feature-drift": "drift",
    "missing-features": "data-quality",
    "endpoint-logging-changed": "audit",
    "usage-drop": "usage",
    "scorecard-run-failed": "errors",
    "scorecard-stale": "freshness",
}


def runbook(kind: str) -> Runbook:
    return RUNBOOKS[kind]


def render(book: Runbook) -> str:
    checks = "\n".join(f"{i}. {c}" for i, c in enumerate(book.checks, 1))
    remedies = "\n".join(f"- {r}" for r in book.remedies)
    return (
        f"<!-- Generated by `modelops docs` from modules/monitoring/runbooks.py; do not edit. -->\n"
        f"# {book.title}\n\n"
        f"- **Alert kind:** `{book.kind}`\n"
        f"- **Severity:** {book.severity}\n"
        f"- **Patterns:** {', '.join(book.patterns) or PLATFORM_JOB}\n"
        f"- **Signal:** {book.signal}\n\n"
        f"## What it means\n\n{book.meaning}\n\n"
        f"## First three things to check\n\n{checks}\n\n"
        f"## What usually fixes it\n\n{remedies}\n\n"
        f"## Tuning\n\n{book.tuning} {_names(book)}\n"
    )


def _names(book: Runbook) -> str:
    if not book.patterns:
        return "The alert's notification names the job and environment; its dashboard link opens the platform's Model Operations Center."
    return "The alert's notification names the team, model and environment; its dashboard link opens the team's Model Operations Center."


def render_index() -> str:
    rows = "\n".join(
        f"| [`{b.kind}`]({b.kind}.md) | {b.title} | {b.severity} | {', '.join(b.patterns) or PLATFORM_JOB} |"
        for b in RUNBOOKS.values()
    )
    return (
        "<!-- Generated by `modelops docs` from modules/monitoring/runbooks.py; do not edit. -->\n"
        "# Runbooks\n\nOne page per alert kind. Every alert policy links to its page.\n\n"
        "| Alert kind | Title | Severity | Patterns |\n|---|---|---|---|\n" + rows + "\n"
    )
