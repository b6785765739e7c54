-- Quality and drift per model and day over the period, for the report's charts (not written to the scorecard):
-- the team tables' daily metrics (modules/quality/sql.py writes them) and, per day, the largest feature PSI
-- as a share of that feature's drift threshold (1.0 = at the threshold).
SELECT 'quality' AS series, team, model, metric AS name, evaluation_date AS day, value, threshold
FROM $model_quality_period
UNION ALL
SELECT 'drift', team, model, 'psi_vs_threshold', check_date, MAX(SAFE_DIVIDE(psi, threshold)), 1.0
FROM $drift_period
WHERE threshold IS NOT NULL
GROUP BY team, model, check_date
