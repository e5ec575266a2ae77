-- R23, R29, issue 16: the person's live membership through which they see the customer
-- code: the main contact of the account holding it first, else a membership granted it.
SELECT m.user_id
FROM live_memberships AS m
JOIN account_customer_codes AS acc
  ON acc.account_id = m.account_id AND acc.customer_code = $customer_code
LEFT JOIN grants AS g ON g.user_id = m.user_id AND g.customer_code = $customer_code
WHERE m.person_id = $person_id AND (m.role = 'main' OR g.user_id IS NOT NULL)
ORDER BY m.role <> 'main', m.user_id
LIMIT 1
