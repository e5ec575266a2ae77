-- R8, R9: access to one customer code, granted explicitly; granting twice is a no-op.
INSERT INTO grants (user_id, customer_code, granted_at, granted_by)
VALUES ($user_id, $customer_code, $at, $granted_by)
ON CONFLICT DO NOTHING
RETURNING customer_code
