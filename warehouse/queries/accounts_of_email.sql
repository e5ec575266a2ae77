-- Live accounts an e-mail belongs to: as main contact first, then as a user through a
-- live membership of that address's person (issue 16: a pending one counts for nothing).
SELECT ca.account_id, 0 AS rank
FROM contact_accounts AS ca
WHERE ca.contact_email = lower($email)
UNION
SELECT m.account_id, 1 AS rank
FROM live_memberships AS m
JOIN people AS p ON p.person_id = m.person_id
WHERE p.email = lower(trim($email))
ORDER BY rank, account_id
