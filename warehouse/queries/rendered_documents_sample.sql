-- A reproducible sample of archived original PDFs with what is needed to re-render them.
SELECT d.*, r.sha256 AS recorded_sha256
FROM renditions AS r
JOIN render_input AS d USING (issuer, document_number)
WHERE r.variant = 'original'
ORDER BY hash(r.issuer || r.document_number || $seed)
LIMIT $limit
