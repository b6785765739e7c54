-- Lifecycle events that changed production: the `modelops-audit` log as the platform project's sink writes it
-- into the governance dataset (table modelops_audit, its payload in the column `jsonPayload`,
-- https://cloud.google.com/logging/docs/export/bigquery). Written by lifecycle/audit.py (`action` is register,
-- deploy, promote or rollback). Only succeeded, real (not dry-run) actions in a production environment.
-- Cloud Logging adds a payload field to the table only when the first entry carrying it arrives (no rollback yet:
-- no `result.rolled_back_version`; no card yet: no `card`), so the payload is read as JSON text ($audit gives
-- `timestamp, payload` = TO_JSON_STRING(jsonPayload)): a field not there yet is NULL instead of an error
-- (JSON_VALUE / JSON_QUERY, https://cloud.google.com/bigquery/docs/reference/standard-sql/json_functions).
SELECT
  JSON_VALUE(a.payload, '$$.team') AS team,
  JSON_VALUE(a.payload, '$$.model') AS model,
  JSON_VALUE(a.payload, '$$.action') AS action,
  JSON_VALUE(a.payload, '$$.env') AS env,
  JSON_VALUE(a.payload, '$$.result.version_id') AS version_id,
  JSON_VALUE(a.payload, '$$.result.rolled_back_version') AS rolled_back_version,
  a.timestamp AS at,
  JSON_QUERY(a.payload, '$$.card') AS card
FROM $audit AS a
WHERE a.timestamp < TIMESTAMP(@period_end)
  AND JSON_VALUE(a.payload, '$$.env') IN ($production_envs)
  AND JSON_VALUE(a.payload, '$$.outcome') = 'succeeded'
  AND COALESCE(JSON_VALUE(a.payload, '$$.dry_run'), 'false') != 'true'
