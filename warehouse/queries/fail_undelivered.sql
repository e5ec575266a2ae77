-- A document that could not be rendered fails its pending deliveries, with the reason.
UPDATE deliveries SET status = 'failed', reason = $reason
WHERE issuer = $issuer AND document_number = $document_number AND status = 'decided'
