-- An account named by its id, its login or one of its main-contact e-mails.
SELECT a.*
FROM accounts AS a
WHERE a.account_id = $ref
   OR a.login_id = $ref
   OR a.account_id IN (SELECT account_id FROM contact_accounts WHERE contact_email = lower($ref))
ORDER BY a.status = 'merged', a.account_id
