-- The customer codes a portal user sees (R29: main contact all of the account, others
-- only their grants, R8/R9) with the user's notification switch per code (R11, default
-- on) and the code's network mailbox (R16, R19).
SELECT
    acc.customer_code,
    c.name AS customer_name,
    c.channel_choice,
    n.account_id AS network_account_id,
    coalesce(s.enabled, TRUE) AS notify
FROM users AS u
JOIN account_customer_codes AS acc ON acc.account_id = u.account_id
LEFT JOIN grants AS g ON g.user_id = u.user_id AND g.customer_code = acc.customer_code
LEFT JOIN customers AS c ON c.customer_code = acc.customer_code
LEFT JOIN network_mailboxes AS n ON n.customer_code = acc.customer_code
LEFT JOIN notification_settings AS s
  ON s.user_id = u.user_id AND s.customer_code = acc.customer_code
WHERE u.user_id = $user_id AND (u.role = 'main' OR g.user_id IS NOT NULL)
ORDER BY acc.customer_code
