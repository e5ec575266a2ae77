-- Notices to send now (queued, or soft-bounced and due again), oldest first; the digest
-- runs send them too (notify_due_digests takes every frequency).
SELECT digest_id, address, attempts, status
FROM digests
WHERE frequency = 'notice' AND status IN ('queued', 'soft_bounce')
  AND (next_attempt_at IS NULL OR next_attempt_at <= $as_of)
ORDER BY queued_at, digest_id
LIMIT $limit
