-- Content hashes of already ingested documents among the keys of a chunk.
SELECT d.issuer, d.document_number, d.content_sha256
FROM documents AS d
JOIN chunk_keys AS k USING (issuer, document_number)
