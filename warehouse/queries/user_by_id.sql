SELECT u.*, a.status AS account_status, a.segment
FROM users AS u
JOIN accounts AS a USING (account_id)
WHERE u.user_id = $user_id
