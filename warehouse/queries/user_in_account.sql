-- A live user of an account, by e-mail.
SELECT *
FROM users
WHERE account_id = $account_id AND email = lower($email) AND status <> 'deleted'
