-- Wrong codes of an account since its last successful redemption, for the lock-out.
SELECT "at"
FROM redemption_attempts
WHERE account_id = $account_id
  AND NOT ok AND reason = 'unknown_code'
  AND "at" > $since AND "at" <= $as_of
  AND "at" > coalesce(
      (SELECT max("at") FROM redemption_attempts
       WHERE account_id = $account_id AND ok AND "at" <= $as_of),
      '-infinity'::TIMESTAMPTZ)
ORDER BY "at"
