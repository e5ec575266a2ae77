-- The new responses that name a delivery, for the audit log.
SELECT response_sha256, issuer, document_number, kind, code
FROM peppol_response_new
WHERE matched
ORDER BY seq
