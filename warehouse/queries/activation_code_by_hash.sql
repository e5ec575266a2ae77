-- R16, R20: a code by its hash, with the customer code's last serial.
SELECT
    k.customer_code,
    k.serial,
    k.expires_at,
    (SELECT max(serial) FROM activation_codes AS l WHERE l.customer_code = k.customer_code)
        AS latest_serial
FROM activation_codes AS k
WHERE k.code_hash = $code_hash
