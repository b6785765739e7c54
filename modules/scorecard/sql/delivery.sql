-- Delivery: the four DORA measures applied to models, per model and for the platform, from the lifecycle events
-- in production (events.sql). A deployment is a promotion (the version takes all traffic / the champion alias).
-- Lead time is the production leg only: the version's register in the production environment to its promotion
-- (version ids are per project; earlier environments' events are not in the production audit table).
-- Time to restore starts at the first red monitoring day (model quality, drift or data quality rows the team's
-- quality job writes, one per day) while the rolled-back version served: day granularity, and only rollbacks
-- with such a day count (a rollback for a reason the monitoring did not see has no restore time).
WITH events AS ($events),
promotions AS (
  SELECT team, model, env, version_id, at FROM events
  WHERE action = 'promote' AND at >= TIMESTAMP(@period_start)
),
rollbacks AS (
  SELECT team, model, env, rolled_back_version, at FROM events
  WHERE action = 'rollback' AND at >= TIMESTAMP(@period_start)
),
lead_times AS (  -- first registration of the promoted version (version ids are per project: same env) to promotion
  SELECT p.team, p.model, TIMESTAMP_DIFF(p.at, MIN(r.at), MINUTE) / 60 AS hours
  FROM promotions AS p
  JOIN events AS r
    ON r.action = 'register' AND r.team = p.team AND r.model = p.model AND r.env = p.env
   AND r.version_id = p.version_id AND r.at <= p.at
  GROUP BY p.team, p.model, p.env, p.version_id, p.at
),
served AS (  -- per rollback: the last promotion of the version it rolled back, to the rollback
  SELECT b.team, b.model, b.at, MAX(p.at) AS served_from
  FROM rollbacks AS b
  JOIN events AS p
    ON p.action = 'promote' AND p.team = b.team AND p.model = b.model AND p.env = b.env
   AND p.version_id = b.rolled_back_version AND p.at <= b.at
  GROUP BY b.team, b.model, b.env, b.rolled_back_version, b.at
),
service_hours AS (  -- how long the rolled-back version served (not how long it was failing)
  SELECT team, model, TIMESTAMP_DIFF(at, served_from, MINUTE) / 60 AS hours FROM served
),
red_days AS (  -- days a monitoring signal of the model was red (the tests adoption.sql uses for green)
  SELECT team, model, evaluation_date AS day FROM $model_quality_period
  WHERE threshold IS NOT NULL AND NOT IF(metric = 'rmse', value <= threshold, value >= threshold)
  UNION ALL
  SELECT team, model, check_date FROM $drift_period WHERE psi > threshold
  UNION ALL
  SELECT team, model, check_date FROM $data_quality_period WHERE missing_ratio > threshold
),
restores AS (  -- DORA time to restore: start of the first red day while the version served (not before its
  -- promotion: a red day can begin under the previous version), to the rollback
  SELECT s.team, s.model, TIMESTAMP_DIFF(s.at, GREATEST(TIMESTAMP(MIN(r.day)), s.served_from), MINUTE) / 60 AS hours
  FROM served AS s
  JOIN red_days AS r
    ON r.team = s.team AND r.model = s.model AND r.day >= DATE(s.served_from) AND r.day <= DATE(s.at)
  GROUP BY s.team, s.model, s.at, s.served_from
),
changed AS (
  SELECT team, model FROM promotions UNION DISTINCT SELECT team, model FROM rollbacks
),
per_model AS (
  SELECT c.team, c.model,
         (SELECT COUNT(*) FROM promotions AS p WHERE p.team = c.team AND p.model = c.model) AS promotions,
         (SELECT COUNT(*) FROM rollbacks AS b WHERE b.team = c.team AND b.model = c.model) AS rollbacks
  FROM changed AS c
),
weeks AS (SELECT DATE_DIFF(@period_end, @period_start, DAY) / 7 AS n)
SELECT 'deployments' AS measure, team, model, CAST(NULL AS STRING) AS dimension,
       CAST(promotions AS FLOAT64) AS value
FROM per_model
UNION ALL
SELECT 'rollbacks', team, model, NULL, CAST(rollbacks AS FLOAT64) FROM per_model
UNION ALL
SELECT 'deployments_per_week', NULL, NULL, NULL,
       SAFE_DIVIDE((SELECT COUNT(*) FROM promotions), (SELECT n FROM weeks))
UNION ALL
SELECT 'change_failure_rate', team, model, NULL, SAFE_DIVIDE(rollbacks, promotions) FROM per_model
UNION ALL
SELECT 'change_failure_rate', NULL, NULL, NULL,
       SAFE_DIVIDE((SELECT COUNT(*) FROM rollbacks), (SELECT COUNT(*) FROM promotions))
UNION ALL
SELECT DISTINCT 'lead_time_hours', team, model, NULL,
       PERCENTILE_CONT(hours, 0.5) OVER (PARTITION BY team, model)
FROM lead_times
UNION ALL
SELECT DISTINCT 'lead_time_hours', NULL, NULL, NULL, PERCENTILE_CONT(hours, 0.5) OVER () FROM lead_times
UNION ALL
SELECT DISTINCT 'version_service_hours_before_rollback', team, model, NULL,
       PERCENTILE_CONT(hours, 0.5) OVER (PARTITION BY team, model)
FROM service_hours
UNION ALL
SELECT DISTINCT 'version_service_hours_before_rollback', NULL, NULL, NULL,
       PERCENTILE_CONT(hours, 0.5) OVER ()
FROM service_hours
UNION ALL
SELECT DISTINCT 'time_to_restore_hours', team, model, NULL,
       PERCENTILE_CONT(hours, 0.5) OVER (PARTITION BY team, model)
FROM restores
UNION ALL
SELECT DISTINCT 'time_to_restore_hours', NULL, NULL, NULL, PERCENTILE_CONT(hours, 0.5) OVER () FROM restores
