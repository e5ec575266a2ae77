-- Phase 1: tonight's rendered paper deliveries of one issuer join the batch.
UPDATE deliveries SET status = 'batched', print_batch_id = $batch_id
WHERE channel = 'paper' AND status = 'decided' AND issuer = $issuer
  AND EXISTS (
      SELECT 1 FROM renditions AS r
      WHERE r.issuer = deliveries.issuer AND r.document_number = deliveries.document_number
        AND r.variant = 'original'
  )
