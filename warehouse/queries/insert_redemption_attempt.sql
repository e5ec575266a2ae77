-- Every redemption attempt of an account; wrong codes feed the lock-out.
INSERT INTO redemption_attempts (account_id, "at", ok, reason)
VALUES ($account_id, $at, $ok, $reason)
