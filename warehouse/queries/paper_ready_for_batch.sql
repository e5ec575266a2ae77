-- Paper deliveries decided and rendered, not yet in a print batch.
SELECT v.issuer, v.document_number
FROM deliveries AS v
JOIN renditions AS r
  ON r.issuer = v.issuer AND r.document_number = v.document_number AND r.variant = 'original'
WHERE v.channel = 'paper' AND v.status = 'decided'
ORDER BY v.issuer, v.document_number
