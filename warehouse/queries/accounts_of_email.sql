-- Live accounts an e-mail belongs to: as main contact first, then as a user.
SELECT ca.account_id, 0 AS rank
FROM contact_accounts AS ca
WHERE ca.contact_email = lower($email)
UNION
SELECT u.account_id, 1 AS rank
FROM users AS u
JOIN accounts AS a USING (account_id)
WHERE u.email = lower($email) AND u.status <> 'deleted' AND a.status <> 'merged'
ORDER BY rank, account_id
