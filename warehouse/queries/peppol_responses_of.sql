-- The responses received for one Peppol delivery, in arrival order.
SELECT kind, code, meaning, send_attempt, response_id, issued_at, reasons::VARCHAR AS reasons,
    source, received_at
FROM peppol_responses
WHERE issuer = $issuer AND document_number = $document_number AND purpose = $purpose
ORDER BY received_at, response_sha256
