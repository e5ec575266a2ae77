-- Runs still marked running: their process is checked in /proc before one is called crashed.
SELECT run_id, flow, pid, pid_start_ticks, host, started_at
FROM runs
WHERE status = 'running'
ORDER BY started_at
