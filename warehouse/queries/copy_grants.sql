-- R13: the surviving user of a pair with one e-mail keeps the other's grants.
INSERT INTO grants (user_id, customer_code, granted_at, granted_by)
SELECT $to_user, customer_code, granted_at, granted_by
FROM grants
WHERE user_id = $from_user
ON CONFLICT DO NOTHING
