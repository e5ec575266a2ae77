-- R6: one password activates the account for all its customer codes.
UPDATE accounts SET status = 'active', activated_at = $at
WHERE account_id = $account_id AND status = 'pending'
