-- R22: every document since the network mailbox's floor not yet in the mailbox gets a
-- backfill delivery on the network channel. backfill_network_windows holds
-- (customer_code, window_start).
INSERT INTO deliveries (issuer, document_number, channel, purpose, customer_code, status,
                        reason, decided_at, run_id)
SELECT d.issuer, d.document_number, 'network', 'backfill', d.customer_code, 'decided',
       'R22 network history from ' || w.window_start::VARCHAR, $decided_at, $run_id
FROM documents AS d
JOIN backfill_network_windows AS w USING (customer_code)
WHERE d.issue_date >= w.window_start AND d.issue_date <= $as_of_date
  AND NOT EXISTS (
      SELECT 1 FROM deliveries AS v
      WHERE v.issuer = d.issuer AND v.document_number = d.document_number
        AND v.channel = 'network'
  )
RETURNING issuer, document_number
