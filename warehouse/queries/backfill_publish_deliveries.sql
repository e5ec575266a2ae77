-- Backfill deliveries (portal R21, network mailbox R22) whose PDF exists become
-- available; also those of an earlier, interrupted backfill run (resume).
UPDATE deliveries SET status = 'published', dispatched_at = $published_at
WHERE purpose = 'backfill' AND channel IN ('portal', 'network') AND status = 'decided'
  AND EXISTS (
      SELECT 1 FROM renditions AS r
      WHERE r.issuer = deliveries.issuer AND r.document_number = deliveries.document_number
        AND r.variant = 'original'
  )
RETURNING issuer, document_number, customer_code, channel, is_copy
