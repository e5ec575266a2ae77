-- R23: the duplicate's delivery, once per document (DESIGN rule 4: the key is
-- issuer/document_number/portal/duplicate); a later request finds it there.
INSERT INTO deliveries
    (issuer, document_number, channel, purpose, customer_code, status, reason, is_copy,
     decided_at, dispatched_at, run_id)
VALUES ($issuer, $document_number, 'portal', 'duplicate', $customer_code, 'published',
    'duplicate requested (R23)', false, $at, $at, $request_id)
ON CONFLICT DO NOTHING
RETURNING issuer
