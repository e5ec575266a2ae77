-- Messages the server accepted, marked sent in bulk (`sent_batch`: digest_id,
-- attempts); the audit flush in the same transaction writes their events.
UPDATE digests
SET status = 'sent',
    attempts = b.attempts,
    next_attempt_at = NULL,
    last_error = NULL,
    sent_at = $sent_at,
    outcome_audited = false
FROM sent_batch AS b
WHERE digests.digest_id = b.digest_id
