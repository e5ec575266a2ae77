-- R29: a customer code that moved to another account leaves its old account's grants.
DELETE FROM grants
WHERE EXISTS (
    SELECT 1
    FROM moved_codes AS m
    JOIN users AS u ON u.account_id = m.previous_account_id
    WHERE grants.customer_code = m.customer_code AND grants.user_id = u.user_id
)
RETURNING user_id, customer_code
