-- Lifecycle events that changed production: the `modelops-audit` log as the platform project's sink writes it
-- into the governance dataset (table modelops_audit; payload fields lower-cased under `jsonpayload`,
-- https://cloud.google.com/logging/docs/export/bigquery). Written by lifecycle/audit.py (`action` is register,
-- deploy, promote or rollback). Only succeeded, real (not dry-run) actions in a production environment.
SELECT
  jsonpayload.team AS team,
  jsonpayload.model AS model,
  jsonpayload.action AS action,
  jsonpayload.env AS env,
  jsonpayload.result.version_id AS version_id,
  jsonpayload.result.rolled_back_version AS rolled_back_version,
  timestamp AS at,
  jsonpayload.card AS card
FROM $audit
WHERE timestamp < TIMESTAMP(@period_end)
  AND jsonpayload.env IN ($production_envs)
  AND jsonpayload.outcome = 'succeeded'
  AND jsonpayload.dry_run IS NOT TRUE
