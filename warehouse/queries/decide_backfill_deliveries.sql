-- R21: every document of the window not yet in the portal gets a backfill delivery.
-- backfill_codes holds (customer_code, window_start).
INSERT INTO deliveries (issuer, document_number, channel, purpose, customer_code, status,
                        reason, decided_at, run_id)
SELECT d.issuer, d.document_number, 'portal', 'backfill', d.customer_code, 'decided',
       'R21 seven years of history from ' || b.window_start::VARCHAR, $decided_at, $run_id
FROM documents AS d
JOIN backfill_codes AS b USING (customer_code)
WHERE d.issue_date >= b.window_start AND d.issue_date <= $as_of_date
  AND NOT EXISTS (
      SELECT 1 FROM deliveries AS v
      WHERE v.issuer = d.issuer AND v.document_number = d.document_number
        AND v.channel = 'portal'
  )
RETURNING issuer, document_number
