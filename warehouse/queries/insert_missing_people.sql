-- Issue 16: one person per address; memberships (users rows) without a person get the
-- person of their address, created here when it is new.
INSERT INTO people (person_id, email, created_at)
SELECT 'P-' || substr(replace(uuid()::VARCHAR, '-', ''), 1, 16), address, min(created_at)
FROM (SELECT lower(trim(email)) AS address, created_at FROM users WHERE person_id IS NULL)
GROUP BY address
ON CONFLICT DO NOTHING
