INSERT INTO runs (run_id, flow, as_of, started_at, status)
VALUES ($run_id, $flow, $as_of, $started_at, 'running')
