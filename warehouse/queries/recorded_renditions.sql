-- Which of a batch's PDFs (registered as rendition_keys) another writer already
-- recorded: the nightly and the backfill share the render step (issue 10, concurrency).
SELECT r.issuer, r.document_number
FROM renditions r
JOIN rendition_keys k USING (issuer, document_number)
WHERE r.variant = $variant
