-- R7: a newer invitation makes the user's earlier, unused ones stop working.
UPDATE invitations SET superseded_at = $at
WHERE user_id = $user_id AND superseded_at IS NULL AND used_at IS NULL
