-- R5, R13: master data naming the merged account's contact feeds the surviving account.
UPDATE contact_accounts SET account_id = $target WHERE account_id = $source
