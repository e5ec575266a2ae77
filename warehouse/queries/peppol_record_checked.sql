-- After validation: each document of peppol_batch is 'sending' (valid, about to go to
-- the access point) or 'failed_validation' (never sent). One row per delivery; its
-- send_attempt is the operator's re-send count + 1 (issue 18), kept on a resume.
INSERT INTO peppol_messages (
    issuer, document_number, purpose, idempotency_key, status, document_type,
    ubl_sha256, ubl_bytes, access_point, failures, attempts, last_error, run_id, updated_at,
    send_attempt
)
SELECT
    issuer, document_number, purpose, idempotency_key, status, document_type,
    ubl_sha256, ubl_bytes, access_point, failures::JSON, 1, last_error, run_id, updated_at,
    send_attempt
FROM peppol_batch
ON CONFLICT (issuer, document_number, purpose) DO UPDATE SET
    idempotency_key = excluded.idempotency_key,
    status = excluded.status,
    document_type = excluded.document_type,
    ubl_sha256 = excluded.ubl_sha256,
    ubl_bytes = excluded.ubl_bytes,
    access_point = excluded.access_point,
    failures = excluded.failures,
    attempts = peppol_messages.attempts + 1,
    last_error = excluded.last_error,
    run_id = excluded.run_id,
    updated_at = excluded.updated_at,
    send_attempt = excluded.send_attempt
