-- The user behind a portal session, while it may still log in (not deleted, account
-- not merged): checked on every request, so a deleted user is out at once (R8).
SELECT
    u.user_id, u.account_id, u.role, u.email, u.first_name, u.last_name, u.language,
    u.frequency, a.segment, a.login_id
FROM users AS u
JOIN accounts AS a USING (account_id)
WHERE u.user_id = $user_id AND u.status = 'active' AND a.status <> 'merged'
