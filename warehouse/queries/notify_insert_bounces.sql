-- R25: record bounces per address; a bounce already recorded (same DSN, same
-- recipient) is a no-op, so re-ingesting a mailbox changes nothing.
INSERT OR IGNORE INTO bounces
SELECT bounce_id, address, kind, category, action, status_code, diagnostic, digest_id,
    source, recorded_at
FROM bounce_batch
RETURNING bounce_id, address, kind, category, action, digest_id
