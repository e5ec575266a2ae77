-- Issue 21: a materialised view of one row per document, brought up to date: the previous
-- snapshot's rows but those of the touched documents, and the touched documents' rows
-- now. {view} and {order} come from warehouse.store.MATERIALISED_VIEWS, never from input.
CREATE TABLE {view}_materialised AS
SELECT * FROM (
    SELECT * FROM previous.{view} AS v
    ANTI JOIN touched_documents AS d USING (issuer, document_number)
    UNION ALL BY NAME
    SELECT * FROM world_after_{view}
)
ORDER BY {order};
DROP VIEW {view};
ALTER TABLE {view}_materialised RENAME TO {view};
