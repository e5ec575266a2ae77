-- The lines of the digests being queued now leave `pending` (notified once, R24).
UPDATE digest_documents
SET status = 'listed', digest_id = listed_lines.digest_id
FROM listed_lines
WHERE digest_documents.user_id = listed_lines.user_id
  AND digest_documents.issuer = listed_lines.issuer
  AND digest_documents.document_number = listed_lines.document_number
  AND digest_documents.status = 'pending'
