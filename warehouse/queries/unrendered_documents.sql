-- Documents with a delivery still to make (original or backfill) and no PDF yet, in key
-- order after ($after_issuer, $after_number) when given (issue 21: the next batch is
-- chosen while the workers still draw the previous one, which is not recorded yet).
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
AND ($after_issuer IS NULL OR d.issuer > $after_issuer
     OR (d.issuer = $after_issuer AND d.document_number > $after_number))
ORDER BY d.issuer, d.document_number
LIMIT $limit
