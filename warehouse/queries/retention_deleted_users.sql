-- Personal data of people whose user was deleted (R8) or whose account was merged away
-- and closed, kept no longer than `keep_days` after: names erased, e-mail replaced by a
-- reference (its sha256), no password. The user id stays so the audit chain's ids resolve.
SELECT user_id, email
FROM users
WHERE status = 'deleted' AND deleted_at < $before AND email NOT LIKE 'erased:%'
ORDER BY user_id
