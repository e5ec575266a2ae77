-- R25: queued digests to an address an operator suppressed are not sent: failed, with why.
UPDATE digests SET status = 'failed', last_error = 'address suppressed by an operator'
WHERE status IN ('queued', 'soft_bounce')
  AND recipient IN (SELECT address FROM suppressed_addresses)
RETURNING digest_id
