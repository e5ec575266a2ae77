-- Messages the server accepted, marked sent in bulk (`sent_batch`: digest_id,
-- attempts); their audit events are appended in the same transaction.
UPDATE digests
SET status = 'sent',
    attempts = b.attempts,
    next_attempt_at = NULL,
    last_error = NULL,
    sent_at = $sent_at,
    outcome_audited = true
FROM sent_batch AS b
WHERE digests.digest_id = b.digest_id
