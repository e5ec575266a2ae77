-- Issue 16: the live memberships of the person behind a portal session, read on every
-- request (none left: the person is logged out at once, R8). The main contact's first.
SELECT
    m.user_id, m.account_id, m.role, m.status, m.email, m.first_name, m.last_name,
    m.language, m.frequency, m.segment, m.login_id, m.person_id, m.account_status
FROM live_memberships AS m
JOIN people AS p ON p.person_id = m.person_id
WHERE m.person_id = $person_id AND p.password_hash IS NOT NULL
ORDER BY m.role <> 'main', m.status <> 'active', m.account_id, m.user_id
