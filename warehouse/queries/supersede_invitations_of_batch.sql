-- R7: a newer invitation makes the earlier, unused ones of the batch's users stop working.
UPDATE invitations SET superseded_at = $at
WHERE user_id IN (SELECT user_id FROM invite_batch)
  AND superseded_at IS NULL AND used_at IS NULL
