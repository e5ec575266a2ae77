-- R3: enterprise numbers already used as a login (one account each).
SELECT login_id FROM accounts WHERE login_kind = 'enterprise_number'
