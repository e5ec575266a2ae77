-- New name and language of users listed in user_details.
UPDATE users
SET first_name = d.first_name, last_name = d.last_name, language = d.language
FROM user_details AS d
WHERE users.user_id = d.user_id
