-- An invitation with what decides whether it still works (R6, R7) and the person it
-- invites, with that person's credential if it has one (issue 16).
SELECT
    i.token_hash, i.user_id, i.issued_at, i.expires_at, i.superseded_at, i.used_at,
    u.status AS user_status, u.role, u.account_id, a.status AS account_status,
    u.person_id, p.email AS person_email, p.password_hash AS person_password_hash
FROM invitations AS i
JOIN users AS u USING (user_id)
JOIN accounts AS a ON a.account_id = u.account_id
JOIN people AS p ON p.person_id = u.person_id
WHERE i.token_hash = $token_hash
