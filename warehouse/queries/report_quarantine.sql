-- Quarantined rows per run and reason.
SELECT run_id, reason, count(*) AS rows
FROM quarantine
GROUP BY ALL
ORDER BY run_id, rows DESC
