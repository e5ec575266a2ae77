-- One Peppol delivery with its message, for `iportal peppol show` and re-sends.
SELECT
    v.issuer, v.document_number, v.purpose, v.customer_code, v.status AS delivery_status,
    v.reason, v.decided_at, v.dispatched_at, m.status AS message_status,
    m.idempotency_key, m.send_attempt, m.message_id, m.access_point, m.ubl_sha256,
    m.transmission, m.transmission_at, m.mlr_code, m.invoice_response_code,
    m.responded_at, m.last_error, m.updated_at, m.sent_at
FROM deliveries AS v
LEFT JOIN peppol_messages AS m
  ON m.issuer = v.issuer AND m.document_number = v.document_number AND m.purpose = v.purpose
WHERE v.channel = 'peppol' AND v.issuer = $issuer AND v.document_number = $document_number
  AND v.purpose = $purpose
