-- Issue 20: bounces recorded since $since (the night's start), per kind and category
-- (R25), with the addresses they concern.
SELECT kind, category, count(*) AS bounces, count(DISTINCT address) AS addresses
FROM bounces
WHERE recorded_at >= $since
GROUP BY ALL
ORDER BY bounces DESC, kind, category
