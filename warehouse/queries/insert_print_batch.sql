-- Phase 1 of a print batch: the batch exists, still building.
INSERT OR IGNORE INTO print_batches (batch_id, issuer, run_id, status, created_at)
VALUES ($batch_id, $issuer, $run_id, 'building', $created_at)
