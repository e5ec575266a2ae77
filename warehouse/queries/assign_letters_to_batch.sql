-- Phase 1 of a print batch: rendered activation letters of one issuer join it (R17).
UPDATE activation_letters SET status = 'batched', print_batch_id = $batch_id
WHERE issuer = $issuer AND status = 'rendered'
