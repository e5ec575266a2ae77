-- What the access point answered for each document of peppol_batch; a dispatched one
-- carries the transmission the answer reported (sent when it said nothing more).
UPDATE peppol_messages AS m
SET status = b.status,
    message_id = coalesce(b.message_id, m.message_id),
    last_error = b.last_error,
    sent_at = coalesce(b.sent_at, m.sent_at),
    transmission = coalesce(b.transmission, m.transmission),
    transmission_at = CASE WHEN b.transmission IS NULL THEN m.transmission_at
                           ELSE b.updated_at END,
    updated_at = b.updated_at
FROM peppol_batch AS b
WHERE m.issuer = b.issuer AND m.document_number = b.document_number AND m.purpose = b.purpose
