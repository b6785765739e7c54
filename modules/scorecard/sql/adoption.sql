-- Adoption: teams on the platform, models in production per pattern and runtime, and the share of production
-- models whose every monitoring signal is configured and green in the last 7 days of the period.
-- A model is in production when a promote (or rollback) made a version its champion in a production env.
WITH events AS ($events),
models AS ($models),
production AS (
  SELECT m.team, m.model, m.pattern, m.runtime, m.owner
  FROM models AS m
  WHERE EXISTS (SELECT 1 FROM events AS e
                WHERE e.team = m.team AND e.model = m.model AND e.action IN ('promote', 'rollback'))
),
usage_signal AS (
  SELECT team, model, SUM(predictions) > 0 AS green
  FROM $usage
  WHERE usage_date >= DATE_SUB(@period_end, INTERVAL 7 DAY)
  GROUP BY team, model
),
quality_rows AS (SELECT * FROM $model_quality WHERE evaluation_date >= DATE_SUB(@period_end, INTERVAL 7 DAY)),
quality_signal AS (  -- the latest evaluation day: every metric with a threshold on the right side of it
  SELECT q.team, q.model,
         COUNTIF(q.threshold IS NOT NULL) > 0 AS configured,
         LOGICAL_AND(q.threshold IS NULL OR
                     IF(q.metric = 'rmse', q.value <= q.threshold, q.value >= q.threshold)) AS green
  FROM quality_rows AS q
  WHERE q.evaluation_date = (SELECT MAX(l.evaluation_date) FROM quality_rows AS l
                             WHERE l.team = q.team AND l.model = q.model)
  GROUP BY q.team, q.model
),
drift_rows AS (SELECT * FROM $drift WHERE check_date >= DATE_SUB(@period_end, INTERVAL 7 DAY)),
drift_signal AS (
  SELECT d.team, d.model,
         LOGICAL_AND(d.threshold IS NOT NULL) AS configured,
         LOGICAL_AND(d.psi <= d.threshold) AS green
  FROM drift_rows AS d
  WHERE d.check_date = (SELECT MAX(l.check_date) FROM drift_rows AS l WHERE l.team = d.team AND l.model = d.model)
  GROUP BY d.team, d.model
),
data_rows AS (SELECT * FROM $data_quality WHERE check_date >= DATE_SUB(@period_end, INTERVAL 7 DAY)),
data_signal AS (
  SELECT d.team, d.model,
         LOGICAL_AND(d.threshold IS NOT NULL) AS configured,
         LOGICAL_AND(d.missing_ratio IS NOT NULL AND d.missing_ratio <= d.threshold) AS green
  FROM data_rows AS d
  WHERE d.check_date = (SELECT MAX(l.check_date) FROM data_rows AS l WHERE l.team = d.team AND l.model = d.model)
  GROUP BY d.team, d.model
),
signals AS (
  SELECT p.team, p.model, p.owner,
         COALESCE(u.green, FALSE)
         AND COALESCE(q.configured AND q.green, FALSE)
         AND COALESCE(d.configured AND d.green, FALSE)
         AND COALESCE(dq.configured AND dq.green, FALSE) AS all_green
  FROM production AS p
  LEFT JOIN usage_signal AS u ON u.team = p.team AND u.model = p.model
  LEFT JOIN quality_signal AS q ON q.team = p.team AND q.model = p.model
  LEFT JOIN drift_signal AS d ON d.team = p.team AND d.model = p.model
  LEFT JOIN data_signal AS dq ON dq.team = p.team AND dq.model = p.model
)
SELECT 'teams_onboarded' AS measure, CAST(NULL AS STRING) AS team, CAST(NULL AS STRING) AS model,
       CAST(NULL AS STRING) AS dimension, CAST(COUNT(DISTINCT team) AS FLOAT64) AS value,
       CAST(NULL AS STRING) AS owner
FROM models
UNION ALL
SELECT 'teams_in_production', NULL, NULL, NULL, CAST(COUNT(DISTINCT team) AS FLOAT64), NULL FROM production
UNION ALL
SELECT 'models_in_production', NULL, NULL, CONCAT(pattern, '/', runtime), CAST(COUNT(*) AS FLOAT64), NULL
FROM production GROUP BY pattern, runtime
UNION ALL
SELECT 'models_in_production', team, NULL, NULL, CAST(COUNT(*) AS FLOAT64), NULL FROM production GROUP BY team
UNION ALL
SELECT 'monitoring_all_green', team, model, NULL, IF(all_green, 1.0, 0.0), owner FROM signals
UNION ALL
SELECT 'monitoring_all_green_share', NULL, NULL, NULL, SAFE_DIVIDE(COUNTIF(all_green), COUNT(*)), NULL FROM signals
