DELETE FROM grants
WHERE user_id = $user_id AND customer_code = $customer_code
RETURNING customer_code
