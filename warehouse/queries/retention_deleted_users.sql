-- Personal data of people whose user was deleted (R8), kept no longer than
-- `personal_data_keep_days` after the deletion; erased by retention_erase_user.sql.
SELECT user_id, email
FROM users
WHERE status = 'deleted' AND deleted_at < $before AND email NOT LIKE 'erased:%'
ORDER BY user_id
