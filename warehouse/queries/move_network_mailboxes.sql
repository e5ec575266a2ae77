-- R13, R19: network delivery stays active, now in the surviving account.
UPDATE network_mailboxes SET account_id = $target
WHERE account_id = $source
RETURNING customer_code
