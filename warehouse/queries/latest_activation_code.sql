-- R20: the last activation code of a customer code (the only one that counts).
SELECT customer_code, serial, issued_at, expires_at, redeemed_at
FROM activation_codes
WHERE customer_code = $customer_code
ORDER BY serial DESC
LIMIT 1
