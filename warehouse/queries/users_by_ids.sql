-- Users of a batch (view invite_batch(user_id)) with their account's status, for
-- invitations issued in bulk (R7).
SELECT u.*, a.status AS account_status, a.segment
FROM users AS u
JOIN accounts AS a USING (account_id)
WHERE u.user_id IN (SELECT user_id FROM invite_batch)
ORDER BY u.user_id
