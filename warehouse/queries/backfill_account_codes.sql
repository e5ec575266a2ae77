-- The customer codes of an account to backfill, found by account id or by its main
-- contact's e-mail.
SELECT acc.customer_code
FROM account_customer_codes AS acc
WHERE acc.account_id IN (
    SELECT a.account_id FROM accounts AS a
    LEFT JOIN users AS u ON u.account_id = a.account_id AND u.role = 'main'
    WHERE a.account_id = $account OR u.email = lower($account)
)
ORDER BY acc.customer_code
