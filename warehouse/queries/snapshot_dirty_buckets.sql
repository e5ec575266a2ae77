-- Issue 21: the buckets whose rows differ between the previous snapshot and this one
-- (a bucket present on one side only counts too: rows added to a new day, or all of a
-- day's rows removed).
CREATE TEMP TABLE dirty_buckets AS
SELECT coalesce(f.table_name, p.table_name) AS table_name,
       coalesce(f.day, p.day) AS day,
       coalesce(f.shard, p.shard) AS shard
FROM snapshot_fingerprints AS f
FULL JOIN previous.snapshot_fingerprints AS p
  ON f.table_name = p.table_name AND f.day IS NOT DISTINCT FROM p.day AND f.shard = p.shard
WHERE f.rows IS DISTINCT FROM p.rows OR f.fingerprint IS DISTINCT FROM p.fingerprint;
