-- Governance: model cards with all six metadata items (docs/scorecard.md), open policy exceptions and their age,
-- and access grants by expiry as the IAM audit records show them.
WITH events AS ($events),
models AS ($models),
champions AS (  -- the version the latest promote or rollback made champion, per production model
  SELECT e.team, e.model, e.env, e.version_id
  FROM events AS e
  WHERE e.action IN ('promote', 'rollback')
    AND e.at = (SELECT MAX(l.at) FROM events AS l
                WHERE l.team = e.team AND l.model = e.model AND l.action IN ('promote', 'rollback'))
),
history_kept AS (  -- prediction_history rows behind the period's usage (daily_usage.logged_predictions)
  SELECT team, model, SUM(COALESCE(logged_predictions, 0)) > 0 AS kept
  FROM $usage WHERE usage_date >= @period_start GROUP BY team, model
),
cards AS (
  SELECT c.team, c.model, m.owner,
         (SELECT MAX(  -- card is JSON text (events.sql): a field the log table lacks is NULL, not an error
            IF(r.version_id IS NOT NULL, 1, 0)
            + IF(JSON_QUERY(r.card, '$$.training.data[0]') IS NOT NULL, 1, 0)
            + IF(JSON_VALUE(r.card, '$$.training.code.commit') IS NOT NULL, 1, 0)
            + IF(JSON_VALUE(r.card, '$$.training.dependencies.lock_sha256') IS NOT NULL, 1, 0)
            + IF(JSON_VALUE(r.card, '$$.prediction_code.commit') IS NOT NULL, 1, 0))
          FROM events AS r
          WHERE r.action = 'register' AND r.team = c.team AND r.model = c.model AND r.env = c.env
            AND r.version_id = c.version_id) AS card_items,
         COALESCE(h.kept, FALSE) AS history
  FROM champions AS c
  JOIN models AS m ON m.team = c.team AND m.model = c.model
  LEFT JOIN history_kept AS h ON h.team = c.team AND h.model = c.model
),
items AS (SELECT team, model, owner, COALESCE(card_items, 0) + IF(history, 1, 0) AS n FROM cards),
exceptions AS (  -- each suppression the gate saw in the period and that has not expired by its end
  SELECT team, rule, resource, MAX(approved_by) AS approved_by, MIN(recorded_at) AS first_seen
  FROM $exceptions
  WHERE recorded_at < TIMESTAMP(@period_end)
  GROUP BY team, rule, resource
  HAVING MAX(recorded_at) >= TIMESTAMP(@period_start) AND MAX(expires) >= @period_end
),
deltas AS (  -- IAM binding changes on the platform's projects and their resources (Admin Activity audit logs)
  -- methodName spells the verb by API: `SetIamPolicy` (Resource Manager), `google.iam.admin.v1.SetIAMPolicy`
  -- (service accounts, https://cloud.google.com/iam/docs/audit-logging), `google.iam.v1.IAMPolicy.SetIamPolicy`:
  -- matched case-insensitively. `condition` exists in the log table only once a conditional
  -- binding changed, so it is read as JSON text (NULL while absent).
  SELECT pr.team, a.protopayload_auditlog.resourceName AS resource, d.action, d.role, d.member,
         JSON_VALUE(TO_JSON_STRING(d), '$$.condition.expression') AS expression, a.timestamp AS at
  FROM $activity AS a
  CROSS JOIN UNNEST(a.protopayload_auditlog.servicedata_v1_iam.policyDelta.bindingDeltas) AS d
  JOIN $projects AS pr ON pr.project = a.resource.labels.project_id
  WHERE a.timestamp < TIMESTAMP(@period_end)
    AND ENDS_WITH(LOWER(a.protopayload_auditlog.methodName), 'setiampolicy')
),
grants AS (  -- bindings (per resource) whose latest change is an ADD: held at the end of the period
  SELECT team, role, member,
         SAFE_CAST(
           REGEXP_EXTRACT(expression, r'request\.time < timestamp\("([^"]+)"\)') AS TIMESTAMP) AS expires
  FROM deltas AS d
  WHERE d.action = 'ADD'
    AND d.at = (SELECT MAX(l.at) FROM deltas AS l
                WHERE l.team = d.team AND COALESCE(l.resource, '') = COALESCE(d.resource, '')
                  AND l.role = d.role AND l.member = d.member
                  AND COALESCE(l.expression, '') = COALESCE(d.expression, ''))
),
buckets AS (
  SELECT team,
         CASE WHEN expires IS NULL THEN 'no_expiry'
              WHEN expires < TIMESTAMP(@period_end) THEN 'expired'
              WHEN expires < TIMESTAMP(DATE_ADD(@period_end, INTERVAL 7 DAY)) THEN 'within_7_days'
              WHEN expires < TIMESTAMP(DATE_ADD(@period_end, INTERVAL 30 DAY)) THEN 'within_30_days'
              ELSE 'later' END AS bucket
  FROM grants
)
SELECT 'card_items' AS measure, team, model, CAST(NULL AS STRING) AS dimension, CAST(n AS FLOAT64) AS value,
       owner, CAST(NULL AS STRING) AS detail
FROM items
UNION ALL
SELECT 'card_complete_share', NULL, NULL, NULL, SAFE_DIVIDE(COUNTIF(n = 6), COUNT(*)), NULL, NULL FROM items
UNION ALL
SELECT 'open_exception_age_days', team, NULL, rule,
       CAST(DATE_DIFF(DATE_SUB(@period_end, INTERVAL 1 DAY), DATE(first_seen), DAY) AS FLOAT64), approved_by, resource
FROM exceptions
UNION ALL
SELECT 'open_exceptions', team, NULL, NULL, CAST(COUNT(*) AS FLOAT64), NULL, NULL FROM exceptions GROUP BY team
UNION ALL
SELECT 'access_grants', team, NULL, bucket, CAST(COUNT(*) AS FLOAT64), NULL, NULL FROM buckets GROUP BY team, bucket
