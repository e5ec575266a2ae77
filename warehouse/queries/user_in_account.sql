-- A live user (membership) of an account, by the address of its person.
SELECT u.*
FROM users AS u
JOIN people AS p ON p.person_id = u.person_id
WHERE u.account_id = $account_id AND p.email = lower(trim($email)) AND u.status <> 'deleted'
