-- What the access point answered for each document of peppol_batch.
UPDATE peppol_messages AS m
SET status = b.status,
    message_id = coalesce(b.message_id, m.message_id),
    last_error = b.last_error,
    sent_at = coalesce(b.sent_at, m.sent_at),
    updated_at = b.updated_at
FROM peppol_batch AS b
WHERE m.issuer = b.issuer AND m.document_number = b.document_number AND m.purpose = b.purpose
