-- The person behind an erased membership, once no live membership is left: address
-- replaced by its reference, no credential.
UPDATE people SET email = $reference, password_hash = NULL
WHERE person_id = (SELECT person_id FROM users WHERE user_id = $user_id)
  AND NOT EXISTS (SELECT 1 FROM users AS u
                  WHERE u.person_id = people.person_id AND u.status <> 'deleted')
