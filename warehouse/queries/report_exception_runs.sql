-- Issue 20: runs of the last 30 days (before $until) that did not complete: failed,
-- crashed, still marked running, or any other state a flow records.
SELECT run_id, flow, as_of, started_at, finished_at, status
FROM runs
WHERE status <> 'completed'
  AND started_at > $until - INTERVAL 30 DAY AND started_at <= $until
ORDER BY started_at DESC
