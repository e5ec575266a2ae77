-- R6, issue 16: a person's one password, chosen once by whoever holds a link sent to the
-- person's address; never replaced through an invitation.
UPDATE people SET password_hash = $password_hash, credential_at = $at
WHERE person_id = $person_id AND password_hash IS NULL
RETURNING person_id
