UPDATE activation_codes SET redeemed_at = $at, redeemed_by = $account_id
WHERE customer_code = $customer_code AND serial = $serial
