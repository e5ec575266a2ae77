-- R13: a user of the merged account continues in the surviving one.
UPDATE users SET account_id = $target, role = $role WHERE user_id = $user_id
