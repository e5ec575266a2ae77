-- Digests whose spooled message is no longer needed: finished, and old enough that a
-- late soft bounce will not ask for a resend. The caller deletes the files.
UPDATE digests
SET spooled = false
WHERE spooled
  AND status IN ('sent', 'hard_bounce', 'failed')
  AND coalesce(sent_at, queued_at) < $now - to_days($keep_days)
RETURNING digest_id
