-- Every new response is kept as it came, matched or not (issue 18).
INSERT INTO peppol_responses
SELECT response_sha256, kind, code, meaning, reference, issuer, document_number, purpose,
    send_attempt, matched, response_id, issued_at, reasons::JSON, source, received_at
FROM peppol_response_new
