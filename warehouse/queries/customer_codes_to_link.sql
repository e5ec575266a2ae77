-- R5: customer codes whose account is not (or no longer) their main contact's account,
-- with the status of the account they join (an active one asks for its history, R21).
SELECT
    c.customer_code,
    ca.account_id,
    acc.account_id AS previous_account_id,
    a.status AS account_status
FROM customers AS c
JOIN contact_accounts AS ca USING (contact_email)
JOIN accounts AS a ON a.account_id = ca.account_id
LEFT JOIN account_customer_codes AS acc USING (customer_code)
WHERE acc.account_id IS DISTINCT FROM ca.account_id
ORDER BY c.customer_code
