-- The responses of peppol_response_batch not recorded before (a re-delivered file is a
-- no-op), once each, with the delivery each names (issue 18): an MLR or a transmission
-- report by the access point's message id, else (and an Invoice Response always) by
-- document number, within the issuer named as receiver when there is one. A reference
-- that fits no delivery, or several, leaves the response unmatched.
CREATE OR REPLACE TEMP TABLE peppol_response_new AS
WITH fresh AS (
    SELECT b.*  -- seq: the order of arrival
    FROM peppol_response_batch AS b
    WHERE NOT EXISTS (
        SELECT 1 FROM peppol_responses AS r WHERE r.response_sha256 = b.response_sha256)
    QUALIFY row_number() OVER (PARTITION BY b.response_sha256 ORDER BY b.seq) = 1
),
by_message AS (
    SELECT f.response_sha256, m.issuer, m.document_number, m.purpose, m.send_attempt
    FROM fresh AS f
    JOIN peppol_messages AS m ON m.message_id = f.reference
    WHERE f.kind <> 'invoice_response'
),
by_number AS (
    SELECT f.response_sha256, m.issuer, m.document_number, m.purpose, m.send_attempt
    FROM fresh AS f
    JOIN peppol_messages AS m
      ON m.document_number = f.reference AND m.issuer = coalesce(f.issuer, m.issuer)
    WHERE f.response_sha256 NOT IN (SELECT response_sha256 FROM by_message)
),
candidates AS (
    SELECT * FROM by_message UNION ALL SELECT * FROM by_number
),
unique_match AS (
    SELECT response_sha256, any_value(issuer) AS issuer,
        any_value(document_number) AS document_number, any_value(purpose) AS purpose,
        any_value(send_attempt) AS send_attempt
    FROM candidates GROUP BY response_sha256 HAVING count(*) = 1
)
SELECT f.response_sha256, f.kind, f.code, f.meaning, f.reference,
    coalesce(u.issuer, f.issuer) AS issuer, u.document_number, u.purpose, u.send_attempt,
    u.document_number IS NOT NULL AS matched, f.response_id, f.issued_at, f.reasons,
    f.source, f.received_at, f.seq
FROM fresh AS f
LEFT JOIN unique_match AS u USING (response_sha256)
