-- R6: the password is set once; it is stored as a scrypt hash only.
UPDATE users SET password_hash = $password_hash, status = 'active'
WHERE user_id = $user_id
