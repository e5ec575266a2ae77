-- R21 (portal) and R22 (network mailbox): every document of a customer code's window not
-- yet on $channel gets a backfill delivery there. backfill_windows holds (channel,
-- customer_code, window_start); $reason names the rule and is followed by the window's
-- first day.
INSERT INTO deliveries (issuer, document_number, channel, purpose, customer_code, status,
                        reason, decided_at, run_id)
SELECT d.issuer, d.document_number, $channel, 'backfill', d.customer_code, 'decided',
       $reason || w.window_start::VARCHAR, $decided_at, $run_id
FROM documents AS d
JOIN backfill_windows AS w ON w.customer_code = d.customer_code AND w.channel = $channel
WHERE d.issue_date >= w.window_start AND d.issue_date <= $as_of_date
  AND NOT EXISTS (
      SELECT 1 FROM deliveries AS v
      WHERE v.issuer = d.issuer AND v.document_number = d.document_number
        AND v.channel = $channel
  )
RETURNING issuer, document_number
