-- The activation letters of one print batch, with what the print house needs.
SELECT l.letter_id, l.issuer, l.document_number, l.customer_code, l.path,
       c.postal_code, c.country, c.name
FROM activation_letters AS l
JOIN customers AS c USING (customer_code)
WHERE l.print_batch_id = $batch_id
ORDER BY l.letter_id
