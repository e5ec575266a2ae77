-- Published portal deliveries of new documents whose recipients are not resolved yet
-- (R10, R14). History and backfilled documents are never announced; duplicates were
-- asked for by the person who receives them.
SELECT d.issuer, d.document_number, d.channel, d.purpose, d.customer_code
FROM deliveries AS d
JOIN documents AS doc USING (issuer, document_number)
WHERE d.channel = 'portal' AND d.status = 'published' AND d.purpose = 'original'
  AND NOT doc.is_history
  AND NOT EXISTS (
      SELECT 1 FROM notification_fanouts AS f
      WHERE f.issuer = d.issuer AND f.document_number = d.document_number
        AND f.channel = d.channel AND f.purpose = d.purpose
  )
ORDER BY d.issuer, d.document_number
LIMIT $limit
