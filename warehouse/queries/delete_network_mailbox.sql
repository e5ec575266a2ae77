-- R20: opted out: the customer code leaves the network mailbox.
DELETE FROM network_mailboxes WHERE customer_code = $customer_code RETURNING account_id
