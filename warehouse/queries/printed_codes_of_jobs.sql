-- R17: the activation code serial printed on each document of a render batch.
SELECT p.issuer, p.document_number, p.customer_code, p.serial, k.expires_at
FROM printed_activation_codes AS p
JOIN job_keys AS j USING (issuer, document_number)
JOIN activation_codes AS k ON k.customer_code = p.customer_code AND k.serial = p.serial
