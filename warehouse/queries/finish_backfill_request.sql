UPDATE backfill_requests SET finished_at = $finished_at, run_id = $run_id, counts = $counts
WHERE request_id = $request_id
