-- The mail server cannot be reached: every digest due now stays queued, with the
-- reason, for the next run.
UPDATE digests
SET last_error = $error
WHERE status IN ('queued', 'soft_bounce')
  AND (next_attempt_at IS NULL OR next_attempt_at <= $as_of)
