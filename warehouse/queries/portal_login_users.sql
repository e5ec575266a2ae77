-- Portal login (R3, issue 16): the person a typed identifier names, with its one
-- credential. The account's login (enterprise number, e-mail or opaque id) names the
-- person of its main contact; an e-mail names the person of that address. Only a person
-- with a password and a live membership may log in. Login matches first.
WITH by_login AS (
    SELECT m.person_id
    FROM live_memberships AS m
    WHERE m.role = 'main' AND upper(m.login_id) = upper($login)
)
SELECT
    p.person_id, p.email, p.password_hash,
    (p.person_id IN (SELECT person_id FROM by_login)) AS by_login,
    (SELECT m.language FROM live_memberships AS m WHERE m.person_id = p.person_id
     ORDER BY m.role <> 'main', m.status <> 'active', m.user_id LIMIT 1) AS language
FROM people AS p
WHERE p.password_hash IS NOT NULL
  AND (p.person_id IN (SELECT person_id FROM by_login) OR p.email = lower($login))
  AND EXISTS (SELECT 1 FROM live_memberships AS m WHERE m.person_id = p.person_id)
ORDER BY by_login DESC, p.person_id
