INSERT INTO suppressed_addresses VALUES ($address, $reason, $at, $actor)
ON CONFLICT DO NOTHING
RETURNING 1
