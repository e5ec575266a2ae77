-- R17: what an activation letter on request needs to know about the customer code.
SELECT c.customer_code, c.issuer, c.channel_choice, n.account_id AS network_account_id
FROM customers AS c
LEFT JOIN network_mailboxes AS n USING (customer_code)
WHERE c.customer_code = $customer_code
