-- An activation letter on request that has not gone to the print house yet.
SELECT letter_id, serial
FROM activation_letters
WHERE customer_code = $customer_code AND reason = 'on_request'
  AND status IN ('decided', 'rendered')
ORDER BY decided_at DESC
LIMIT 1
