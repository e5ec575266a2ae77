INSERT INTO runs (run_id, flow, as_of, started_at, status, pid, pid_start_ticks, host,
                  prefect_flow_run_id)
VALUES ($run_id, $flow, $as_of, $started_at, 'running', $pid, $pid_start_ticks, $host,
        $prefect_flow_run_id)
