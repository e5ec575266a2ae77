-- The last runs for the report, newest first.
SELECT run_id, flow, as_of, started_at, finished_at, status, summary::VARCHAR AS summary
FROM runs
ORDER BY started_at DESC
LIMIT $limit
