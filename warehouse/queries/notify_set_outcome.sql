-- Record what became of one digest (sent, deferred, bounced, failed); the audit flush
-- writes the event (outcome_audited = false until then).
UPDATE digests
SET status = $status,
    attempts = $attempts,
    next_attempt_at = $next_attempt_at,
    last_error = $last_error,
    sent_at = coalesce($sent_at, sent_at),
    outcome_audited = false
WHERE digest_id = $digest_id
