-- R17: decided activation letters with what their page shows.
SELECT
    l.letter_id, l.customer_code, l.serial, l.issuer, l.document_number, l.channel_choice,
    l.letter_date, k.expires_at,
    c.name, c.street, c.postal_code, c.city, c.country, c.language
FROM activation_letters AS l
JOIN activation_codes AS k ON k.customer_code = l.customer_code AND k.serial = l.serial
JOIN customers AS c ON c.customer_code = l.customer_code
WHERE l.status = 'decided'
ORDER BY l.letter_id
LIMIT $limit
