-- Before composing: a pending line whose person can no longer open the document, or
-- switched its notifications off, is dropped with the reason (R10: nobody is told
-- about a document they cannot open; R11).
UPDATE digest_documents
SET status = 'dropped', reason = checked.reason
FROM (
    SELECT dd.user_id, dd.issuer, dd.document_number,
        CASE
            WHEN u.user_id IS NULL OR u.status = 'deleted' THEN 'user_deleted'
            WHEN acc.account_id IS DISTINCT FROM u.account_id OR a.status = 'merged'
                THEN 'access_revoked'
            WHEN u.role <> 'main' AND g.user_id IS NULL THEN 'access_revoked'
            WHEN u.role <> 'main' AND u.status <> 'active' THEN 'access_revoked'  -- pending
            WHEN NOT coalesce(s.enabled, true) THEN 'notifications_off'
        END AS reason
    FROM digest_documents AS dd
    LEFT JOIN users AS u USING (user_id)
    LEFT JOIN accounts AS a ON a.account_id = u.account_id
    LEFT JOIN account_customer_codes AS acc ON acc.customer_code = dd.customer_code
    LEFT JOIN grants AS g ON g.user_id = dd.user_id AND g.customer_code = dd.customer_code
    LEFT JOIN notification_settings AS s
      ON s.user_id = dd.user_id AND s.customer_code = dd.customer_code
    WHERE dd.status = 'pending'
) AS checked
WHERE checked.reason IS NOT NULL
  AND digest_documents.user_id = checked.user_id
  AND digest_documents.issuer = checked.issuer
  AND digest_documents.document_number = checked.document_number
RETURNING digest_documents.reason
