-- Documents with a delivery still to make (original or backfill) and no PDF yet.
SELECT d.*
FROM render_input AS d
WHERE EXISTS (
    SELECT 1 FROM deliveries AS v
    WHERE v.issuer = d.issuer AND v.document_number = d.document_number
      AND v.status = 'decided'
)
AND NOT EXISTS (
    SELECT 1 FROM renditions AS r
    WHERE r.issuer = d.issuer AND r.document_number = d.document_number
      AND r.variant = 'original'
)
ORDER BY d.issuer, d.document_number
LIMIT ?
