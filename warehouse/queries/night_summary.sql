-- Deliveries of one run per channel and status, for the run report.
SELECT channel, purpose, status, count(*) AS deliveries
FROM deliveries
WHERE run_id = $run_id
GROUP BY ALL
ORDER BY ALL
