-- R8, R11: change what was given; NULL keeps the current value.
UPDATE users
SET first_name = coalesce($first_name, first_name),
    last_name = coalesce($last_name, last_name),
    language = coalesce($language, language),
    frequency = coalesce($frequency, frequency)
WHERE user_id = $user_id
