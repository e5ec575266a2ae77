-- Issue 20: print batches that may still wait for the print house: every batch that is
-- not ready (still building) and every ready one made before $since (the last night's
-- start); tasks/report.py keeps those whose folder still holds its files.
SELECT batch_id, issuer, status, created_at, ready_at, pieces, pdf_path
FROM print_batches
WHERE status <> 'ready' OR ready_at < $since
ORDER BY created_at
