-- Tonight's documents (not history) that have no original delivery decided yet, except
-- those already waiting in this run for a Peppol participant lookup (issue 18).
SELECT d.issuer, d.document_number, d.customer_code, c.channel_choice,
    d.issue_date, c.enterprise_number, d.document_type
FROM documents AS d
JOIN customers AS c USING (customer_code)
WHERE NOT d.is_history
  AND NOT EXISTS (
      SELECT 1 FROM deliveries AS v
      WHERE v.issuer = d.issuer AND v.document_number = d.document_number
        AND v.purpose = 'original'
  )
  AND NOT EXISTS (
      SELECT 1 FROM peppol_routing_waits AS w
      WHERE w.issuer = d.issuer AND w.document_number = d.document_number
        AND w.last_run_id = $run_id
  )
ORDER BY d.issuer, d.document_number
LIMIT $limit
