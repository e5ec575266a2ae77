-- Names erased, e-mail replaced by a reference (its sha256); the user id stays so the
-- audit chain's ids still resolve. The credential lives on the person (migration 009).
UPDATE users SET email = $reference, first_name = NULL, last_name = NULL
WHERE user_id = $user_id
