-- The one person of an address (addresses are stored lower-case).
SELECT * FROM people WHERE email = lower(trim($email))
