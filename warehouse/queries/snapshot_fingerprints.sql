-- Issue 21: what the snapshot refresh compares with the previous snapshot's to find what
-- changed since. One row per bucket of a table: the day of its row's {day} column and a
-- shard of its document (a night's new rows fall in a few days; a late change to an old
-- row marks one small bucket, not a month). The sum of the rows' hashes changes when a
-- row is added, removed or has a column changed that a materialised view reads
-- ({columns}). Names come from warehouse.store, never from input.
INSERT INTO snapshot_fingerprints
SELECT '{table}' AS table_name, CAST(t.{day} AS DATE) AS day,
       hash(t.issuer, t.document_number) % {shards} AS shard,
       count(*) AS rows, sum(hash({columns})) AS fingerprint
FROM {table} AS t
GROUP BY ALL;
