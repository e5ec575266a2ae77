-- The mail pieces of one print batch, with what the print house needs.
SELECT
    v.issuer, v.document_number, v.channel, v.purpose, v.customer_code,
    r.path AS pdf_path, c.postal_code, c.country, c.name
FROM deliveries AS v
JOIN renditions AS r
  ON r.issuer = v.issuer AND r.document_number = v.document_number
 AND r.variant = CASE v.purpose WHEN 'reprint' THEN 'duplicate' ELSE 'original' END  -- issue 19
JOIN customers AS c ON c.customer_code = v.customer_code
WHERE v.print_batch_id = ?
ORDER BY v.issuer, v.document_number
