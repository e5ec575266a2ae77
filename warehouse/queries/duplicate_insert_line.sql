-- R23: the requester hears of the duplicate in their next digest (R24), once per person
-- and document; the digest steps drop it like any line if access or the setting is gone.
INSERT INTO digest_documents
    (user_id, issuer, document_number, customer_code, status, resolved_at, run_id, purpose)
VALUES ($user_id, $issuer, $document_number, $customer_code, 'pending', $at, $request_id,
    'duplicate')
ON CONFLICT DO NOTHING
RETURNING user_id
