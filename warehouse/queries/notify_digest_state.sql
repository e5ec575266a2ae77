-- One digest's state, to decide what a bounce changes.
SELECT status, attempts FROM digests WHERE digest_id = $digest_id
