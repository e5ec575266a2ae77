-- The users of an account with the customer codes granted to each (R8, R9).
SELECT
    u.user_id, u.role, u.email, u.first_name, u.last_name, u.language, u.frequency,
    u.status,
    list(g.customer_code ORDER BY g.customer_code) FILTER (WHERE g.customer_code IS NOT NULL)
        AS granted_codes
FROM users AS u
LEFT JOIN grants AS g USING (user_id)
WHERE u.account_id = $account_id AND u.status <> 'deleted'
GROUP BY u.user_id, u.role, u.email, u.first_name, u.last_name, u.language, u.frequency,
    u.status
ORDER BY u.role <> 'main', u.email
