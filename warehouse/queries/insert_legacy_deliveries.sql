-- Issue 20: legacy deliveries of the chunk not stored yet (a re-delivered file adds
-- nothing); returns the new ones for the audit log (R30).
INSERT INTO legacy_deliveries
    (issuer, document_number, channel, purpose, customer_code, delivered_at, print_batch,
     message_id, source_file, source_line, recorded_at, run_id)
SELECT b.issuer, b.document_number, b.channel, b.purpose, b.customer_code, b.delivered_at,
       b.print_batch, b.message_id, b.source_file, b.source_line, b.recorded_at, b.run_id
FROM legacy_batch AS b
WHERE NOT EXISTS (
    SELECT 1 FROM legacy_deliveries AS l
    WHERE l.issuer = b.issuer AND l.document_number = b.document_number
      AND l.channel = b.channel AND l.purpose = b.purpose
)
RETURNING issuer, document_number, channel, delivered_at
