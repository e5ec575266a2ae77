SELECT account_id, activated_at FROM network_mailboxes WHERE customer_code = $customer_code
