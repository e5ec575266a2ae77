-- Portal login (R3): the active users a typed identifier may name. The account's login
-- (enterprise number, e-mail or opaque id) names its main contact; an e-mail also
-- names shared users and third parties. Login matches first.
SELECT
    u.user_id, u.account_id, u.role, u.email, u.language, u.password_hash,
    (u.role = 'main' AND upper(a.login_id) = upper($login)) AS by_login
FROM users AS u
JOIN accounts AS a USING (account_id)
WHERE u.status = 'active' AND a.status <> 'merged'
  AND ((u.role = 'main' AND upper(a.login_id) = upper($login)) OR u.email = lower($login))
ORDER BY by_login DESC, u.role <> 'main', u.account_id, u.user_id
