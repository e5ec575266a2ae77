-- R25: an address with repeated hard bounces is flagged for operators.
INSERT INTO flagged_addresses (address, hard_bounces, flagged_at, last_bounce_at)
SELECT address, count(*), $now, max(recorded_at)
FROM bounces
WHERE kind = 'hard'
GROUP BY address
HAVING count(*) >= $threshold
ON CONFLICT (address) DO UPDATE
SET hard_bounces = excluded.hard_bounces, last_bounce_at = excluded.last_bounce_at
RETURNING address, hard_bounces, flagged_at
