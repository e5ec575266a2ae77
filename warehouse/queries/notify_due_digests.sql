-- Digests to send now, oldest first: queued ones whose retry time has come and
-- soft-bounced ones to resend (R25: soft failures are retried).
SELECT digest_id, address, attempts, status
FROM digests
WHERE status IN ('queued', 'soft_bounce')
  AND (next_attempt_at IS NULL OR next_attempt_at <= $as_of)
ORDER BY queued_at, digest_id
LIMIT $limit
