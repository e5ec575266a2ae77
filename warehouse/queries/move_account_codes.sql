-- R13: the merged account's customer codes join the surviving account.
UPDATE account_customer_codes SET account_id = $target, added_at = $at
WHERE account_id = $source
RETURNING customer_code
