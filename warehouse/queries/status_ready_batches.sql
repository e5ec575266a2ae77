-- `iportal status`: print batches handed over (READY written); the caller checks which
-- READY markers are still in the print folder, i.e. not yet collected by the print house.
SELECT batch_id, issuer, ready_at, pieces, pdf_path
FROM print_batches
WHERE status = 'ready'
ORDER BY ready_at DESC
LIMIT 200
