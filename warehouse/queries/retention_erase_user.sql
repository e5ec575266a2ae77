-- Names erased, e-mail replaced by a reference (its sha256), no password; the user id
-- stays so the audit chain's ids still resolve.
UPDATE users SET email = $reference, first_name = NULL, last_name = NULL, password_hash = NULL
WHERE user_id = $user_id
