-- Paper deliveries decided and rendered, not yet in a print batch.
SELECT v.issuer, v.document_number
FROM deliveries AS v
JOIN renditions AS r
  ON r.issuer = v.issuer AND r.document_number = v.document_number
 AND r.variant = CASE v.purpose WHEN 'reprint' THEN 'duplicate' ELSE 'original' END  -- issue 19
WHERE v.channel = 'paper' AND v.status = 'decided'
ORDER BY v.issuer, v.document_number
