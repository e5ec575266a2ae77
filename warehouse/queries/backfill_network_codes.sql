-- R22: customer codes of a backfill with an activated network mailbox, with their
-- contract start (domain/windows.py turns it into the mailbox's history floor).
-- backfill_scope holds the backfill's customer codes; an account backfill also takes the
-- mailboxes redeemed into that account for a code it does not hold.
SELECT n.customer_code, c.contract_start
FROM network_mailboxes AS n
JOIN customers AS c USING (customer_code)
WHERE n.customer_code IN (SELECT customer_code FROM backfill_scope)
   OR n.account_id IN (
       SELECT a.account_id FROM accounts AS a
       LEFT JOIN users AS u ON u.account_id = a.account_id AND u.role = 'main'
       WHERE a.account_id = $account OR u.email = lower($account)
   )
ORDER BY n.customer_code
