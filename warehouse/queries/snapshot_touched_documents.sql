-- Issue 21: the documents with a row in a changed bucket of {table}, in the previous
-- snapshot or in this one ({source}): their contribution to the materialised views is
-- computed again. Names come from warehouse.store, never from input.
INSERT INTO touched_documents
SELECT DISTINCT t.issuer, t.document_number
FROM {source}.{table} AS t
SEMI JOIN dirty_buckets AS b
  ON b.table_name = '{table}' AND b.day IS NOT DISTINCT FROM CAST(t.{day} AS DATE)
 AND b.shard = hash(t.issuer, t.document_number) % {shards};
