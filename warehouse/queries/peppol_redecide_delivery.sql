-- The re-sent Peppol delivery is decided again, its reason saying who asked and why.
UPDATE deliveries
SET status = 'decided', reason = left($reason, 500)
WHERE channel = 'peppol' AND issuer = $issuer AND document_number = $document_number
  AND purpose = $purpose
