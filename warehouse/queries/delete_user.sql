-- R8: a deleted user keeps its row (audit, history) but loses every access.
UPDATE users SET status = 'deleted', deleted_at = $at WHERE user_id = $user_id
