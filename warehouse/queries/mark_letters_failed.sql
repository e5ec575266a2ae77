-- A letter that cannot be drawn is failed, visibly; the others go on (DESIGN rule 7).
UPDATE activation_letters SET status = 'failed'
WHERE letter_id IN (SELECT letter_id FROM failed_letters)
