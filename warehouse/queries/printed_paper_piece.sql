-- A document's original paper piece that went into a print batch, and whether it was
-- reprinted already (issue 19: one reprint per document, purpose 'reprint').
SELECT v.customer_code, v.print_batch_id,
       EXISTS (SELECT 1 FROM deliveries AS r
               WHERE r.issuer = v.issuer AND r.document_number = v.document_number
                 AND r.channel = 'paper' AND r.purpose = 'reprint') AS reprinted
FROM deliveries AS v
WHERE v.issuer = $issuer AND v.document_number = $document_number
  AND v.channel = 'paper' AND v.purpose = 'original' AND v.print_batch_id IS NOT NULL
