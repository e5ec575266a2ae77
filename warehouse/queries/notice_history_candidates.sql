-- R21, issue 5: customer codes whose backfilled history is published in the portal and
-- whose account's main contact was not told yet, one row per code (tasks/notify/notices.py
-- groups them into one message per person). Told = a notice of that account already
-- names the code, whatever became of it (a failed address is not retried every run).
-- notice_scope holds the backfill's customer codes.
WITH held AS (
    SELECT acc.account_id, acc.customer_code
    FROM account_customer_codes AS acc
    JOIN accounts AS a ON a.account_id = acc.account_id AND a.status = 'active'
    WHERE acc.customer_code IN (SELECT customer_code FROM notice_scope)
),
published AS (
    SELECT customer_code, count(*) AS documents
    FROM deliveries
    WHERE channel = 'portal' AND purpose = 'backfill' AND status = 'published'
      AND customer_code IN (SELECT customer_code FROM notice_scope)
    GROUP BY customer_code
)
SELECT h.account_id, h.customer_code, p.documents, u.user_id, u.email, u.language,
       u.first_name, u.last_name
FROM held AS h
JOIN published AS p USING (customer_code)
JOIN users AS u ON u.account_id = h.account_id AND u.role = 'main' AND u.status <> 'deleted'
WHERE NOT EXISTS (
    SELECT 1 FROM digests AS g
    JOIN users AS m ON m.user_id = g.user_id
    WHERE g.frequency = 'notice' AND m.account_id = h.account_id
      AND list_contains(g.customer_codes, h.customer_code)
)
ORDER BY h.account_id, h.customer_code
