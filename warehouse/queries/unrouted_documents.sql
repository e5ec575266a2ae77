-- Tonight's documents (not history) that have no original delivery decided yet.
SELECT d.issuer, d.document_number, d.customer_code, c.channel_choice,
    d.issue_date, c.enterprise_number
FROM documents AS d
JOIN customers AS c USING (customer_code)
WHERE NOT d.is_history
  AND NOT EXISTS (
      SELECT 1 FROM deliveries AS v
      WHERE v.issuer = d.issuer AND v.document_number = d.document_number
        AND v.purpose = 'original'
  )
ORDER BY d.issuer, d.document_number
LIMIT ?
