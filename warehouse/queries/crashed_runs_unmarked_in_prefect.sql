SELECT run_id, prefect_flow_run_id
FROM runs
WHERE status = 'crashed' AND prefect_flow_run_id IS NOT NULL AND prefect_marked_at IS NULL
