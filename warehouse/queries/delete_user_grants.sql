DELETE FROM grants WHERE user_id = $user_id RETURNING customer_code
