-- Issue 16: a membership belongs to the person of its address.
UPDATE users SET person_id = p.person_id
FROM people AS p
WHERE users.person_id IS NULL AND p.email = lower(trim(users.email))
