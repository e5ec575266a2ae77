-- The customer codes of an account, with their network delivery state (R19).
SELECT
    acc.customer_code,
    acc.added_at,
    c.channel_choice,
    n.account_id AS network_account_id
FROM account_customer_codes AS acc
LEFT JOIN customers AS c USING (customer_code)
LEFT JOIN network_mailboxes AS n USING (customer_code)
WHERE acc.account_id = $account_id
ORDER BY acc.customer_code
