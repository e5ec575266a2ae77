-- Phase 2: the batch files and READY marker are on disk.
UPDATE print_batches
SET status = 'ready', ready_at = $ready_at, pdf_path = $pdf_path,
    manifest_path = $manifest_path, pieces = $pieces, pages = $pages,
    sheets = $sheets, sha256 = $sha256, files = $files
WHERE batch_id = $batch_id
