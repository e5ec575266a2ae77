-- Issue 16: pending memberships someone added (shared users, third parties, a former
-- main contact moved by a merge) whose invitation e-mail was not queued yet, with what
-- the e-mail says: the invitee's name and language (the person's own, from a membership
-- it accepted, when it has one; else the one the inviter chose), the account's login and
-- the name of its main contact (who invites). Main contacts of pending accounts get theirs in
-- their digests (R6).
SELECT
    u.user_id, u.account_id, u.role, p.email,
    coalesce(
        (SELECT k.language FROM users AS k
         WHERE k.person_id = u.person_id AND k.status = 'active'
         ORDER BY k.role <> 'main', k.user_id LIMIT 1),
        u.language
    ) AS language,
    u.first_name, u.last_name,
    a.login_id, m.first_name AS inviter_first_name, m.last_name AS inviter_last_name
FROM users AS u
JOIN people AS p ON p.person_id = u.person_id
JOIN accounts AS a ON a.account_id = u.account_id AND a.status <> 'merged'
LEFT JOIN users AS m
  ON m.account_id = u.account_id AND m.role = 'main' AND m.status <> 'deleted'
WHERE u.status = 'invited' AND u.role <> 'main'
  AND NOT EXISTS (
      SELECT 1 FROM digests AS g
      WHERE g.frequency = 'notice' AND g.period = 'invitation' AND g.user_id = u.user_id
  )
ORDER BY u.user_id
LIMIT $limit
