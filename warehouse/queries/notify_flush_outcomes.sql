-- Outcomes not yet in the audit log (written per message; audited in bulk, and after a
-- crash by the next run).
UPDATE digests
SET outcome_audited = true
WHERE NOT outcome_audited
RETURNING digest_id, status, attempts, last_error
