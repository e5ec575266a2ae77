SELECT 1 FROM account_customer_codes WHERE account_id = $account_id AND customer_code = $customer_code
