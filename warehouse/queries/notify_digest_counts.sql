-- Digests per status, for the run report (how many still wait in the queue).
SELECT status, count(*) AS digests FROM digests GROUP BY status ORDER BY status
