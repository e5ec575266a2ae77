-- R23, R29: the requester's user row through which they see the customer code: the main
-- contact of the account holding it first, else a shared user or third party granted it.
SELECT u.user_id
FROM users AS u
JOIN accounts AS a USING (account_id)
JOIN account_customer_codes AS acc
  ON acc.account_id = u.account_id AND acc.customer_code = $customer_code
LEFT JOIN grants AS g ON g.user_id = u.user_id AND g.customer_code = $customer_code
WHERE u.email = lower($email) AND u.status <> 'deleted' AND a.status <> 'merged'
  AND (u.role = 'main' OR g.user_id IS NOT NULL)
ORDER BY u.role <> 'main', u.user_id
LIMIT 1
