UPDATE runs
SET status = 'crashed', crash_detected_at = $detected_at, crash_detected_by = $detected_by
WHERE run_id = $run_id AND status = 'running'
