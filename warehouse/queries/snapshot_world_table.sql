-- Issue 21: the touched documents' rows of {table} as they are in {source} (the previous
-- snapshot, or this one), in a small database of their own where the materialised views
-- are computed over those documents only.
CREATE TABLE {world}.{table} AS
SELECT t.* FROM {source}.{table} AS t
SEMI JOIN touched_documents AS d USING (issuer, document_number);
