-- R4: what the delivery partner may know about a main contact, and nothing more.
SELECT u.email, u.language, u.last_name, u.first_name
FROM users AS u
JOIN accounts AS a USING (account_id)
WHERE u.role = 'main' AND u.status <> 'deleted' AND a.status <> 'merged'
ORDER BY u.email
