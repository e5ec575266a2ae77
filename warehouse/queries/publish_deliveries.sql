-- R14, R16: rendered deliveries of one electronic channel ($channel: portal | network)
-- become available: in the portal store, or in the customer code's network mailbox.
UPDATE deliveries SET status = 'published', dispatched_at = $published_at
WHERE channel = $channel AND status = 'decided'
  AND EXISTS (
      SELECT 1 FROM renditions AS r
      WHERE r.issuer = deliveries.issuer AND r.document_number = deliveries.document_number
        AND r.variant = 'original'
  )
RETURNING issuer, document_number, customer_code, purpose
