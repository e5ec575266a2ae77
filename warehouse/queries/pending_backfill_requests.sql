SELECT request_id, account_id, customer_code, reason
FROM backfill_requests
WHERE finished_at IS NULL
ORDER BY requested_at
