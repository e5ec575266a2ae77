-- R6, issue 16: the membership is accepted; the password lives on the person.
UPDATE users SET status = 'active'
WHERE user_id = $user_id
