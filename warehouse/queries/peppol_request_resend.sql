-- An operator's re-send (issue 18): the same delivery, a new attempt. The delivery is
-- decided again (the next Peppol step rebuilds, revalidates and sends it under
-- <idempotency key>/attempt-N); what the previous attempt heard is cleared here and
-- stays in peppol_responses and the audit log.
UPDATE peppol_messages
SET send_attempt = send_attempt + 1,
    transmission = NULL, transmission_at = NULL, mlr_code = NULL,
    invoice_response_code = NULL, responded_at = NULL,
    updated_at = $now
WHERE issuer = $issuer AND document_number = $document_number AND purpose = $purpose
RETURNING send_attempt
