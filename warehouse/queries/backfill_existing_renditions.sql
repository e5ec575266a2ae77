-- Archived PDFs of the documents a backfill run publishes, to verify before publishing
-- (one row per document, even when it goes to the portal and the network mailbox).
SELECT DISTINCT r.issuer, r.document_number, r.path, r.sha256, r.bytes
FROM deliveries AS v
JOIN renditions AS r
  ON r.issuer = v.issuer AND r.document_number = v.document_number AND r.variant = 'original'
WHERE v.run_id = $run_id AND v.purpose = 'backfill' AND r.run_id <> $run_id
