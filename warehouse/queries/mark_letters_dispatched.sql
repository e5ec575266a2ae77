-- Phase 2: the batch's activation letters are with the print house.
UPDATE activation_letters SET status = 'dispatched', dispatched_at = $dispatched_at
WHERE print_batch_id = $batch_id AND status = 'batched'
