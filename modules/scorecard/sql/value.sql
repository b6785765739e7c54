-- Value: predictions per model and complete week (Monday to Sunday, ISO weeks) starting in the period, next to the
-- model's KPI and impact owner; the change on the week before; models whose usage fell by more than their threshold
-- (impact.usage_drop_alert in the team file) in the period's last complete week, with who owns the reaction.
WITH models AS ($models),
week_starts AS (  -- the week before the period's first, then every week that ends by @period_end
  SELECT w AS week
  FROM UNNEST(GENERATE_DATE_ARRAY(DATE_SUB(DATE_TRUNC(@period_start, ISOWEEK), INTERVAL 7 DAY),
                                  DATE_SUB(@period_end, INTERVAL 7 DAY), INTERVAL 7 DAY)) AS w
),
used AS (  -- models with any usage row in the window: a week without rows counts 0 predictions
  SELECT DISTINCT team, model FROM $usage
),
grid AS (
  SELECT m.team, m.model, m.owner, m.kpi, m.usage_drop_threshold, s.week
  FROM models AS m JOIN used AS u ON u.team = m.team AND u.model = m.model CROSS JOIN week_starts AS s
),
weekly AS (
  SELECT g.team, g.model, g.owner, g.kpi, g.usage_drop_threshold, g.week,
         (SELECT COALESCE(SUM(u.predictions), 0) FROM $usage AS u
          WHERE u.team = g.team AND u.model = g.model
            AND u.usage_date >= g.week AND u.usage_date < DATE_ADD(g.week, INTERVAL 7 DAY)) AS predictions
  FROM grid AS g
),
changes AS (
  SELECT w.team, w.model, w.owner, w.kpi, w.usage_drop_threshold, w.week, w.predictions,
         SAFE_DIVIDE(w.predictions - p.predictions, p.predictions) AS change
  FROM weekly AS w
  JOIN weekly AS p ON p.team = w.team AND p.model = w.model AND p.week = DATE_SUB(w.week, INTERVAL 7 DAY)
  WHERE w.week >= @period_start
),
last_week AS (SELECT MAX(week) AS week FROM changes)
SELECT 'predictions_week' AS measure, team, model, FORMAT_DATE('%F', week) AS dimension,
       CAST(predictions AS FLOAT64) AS value, owner, kpi AS detail
FROM changes
UNION ALL
SELECT 'usage_change_week', team, model, FORMAT_DATE('%F', week), change, owner, kpi
FROM changes WHERE change IS NOT NULL
UNION ALL
SELECT 'usage_falling', team, model, FORMAT_DATE('%F', week), -change, owner, kpi
FROM changes
WHERE week = (SELECT week FROM last_week) AND change < -usage_drop_threshold
