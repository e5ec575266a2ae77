-- R10: who is told about each document of fanout_batch: the main contact of the account
-- holding its customer code, and every shared user or third party granted that code
-- (R8, R9, R12), unless they switched notifications off for it (R11). Only live
-- memberships count (issue 16: a pending one grants nothing). A person is told once,
-- as main contact rather than as shared user.
INSERT INTO digest_documents
    (user_id, issuer, document_number, customer_code, status, resolved_at, run_id)
WITH holders AS (
    SELECT b.issuer, b.document_number, b.customer_code, u.user_id, u.role, u.person_id
    FROM fanout_batch AS b
    JOIN account_customer_codes AS acc USING (customer_code)
    JOIN live_memberships AS u ON u.account_id = acc.account_id
    LEFT JOIN grants AS g ON g.user_id = u.user_id AND g.customer_code = b.customer_code
    WHERE u.role = 'main' OR g.user_id IS NOT NULL
),
switched_on AS (
    SELECT h.*
    FROM holders AS h
    LEFT JOIN notification_settings AS s
      ON s.user_id = h.user_id AND s.customer_code = h.customer_code
    WHERE coalesce(s.enabled, true)
),
one_per_person AS (
    SELECT *
    FROM switched_on
    QUALIFY row_number() OVER (
        PARTITION BY person_id, issuer, document_number
        ORDER BY role <> 'main', user_id
    ) = 1
)
SELECT p.user_id, p.issuer, p.document_number, p.customer_code, 'pending', $resolved_at, $run_id
FROM one_per_person AS p
WHERE NOT EXISTS (
    SELECT 1
    FROM digest_documents AS x
    JOIN users AS xu USING (user_id)
    WHERE xu.person_id = p.person_id
      AND x.issuer = p.issuer AND x.document_number = p.document_number
)
