SELECT * FROM users WHERE account_id = $account_id AND status <> 'deleted' ORDER BY user_id
