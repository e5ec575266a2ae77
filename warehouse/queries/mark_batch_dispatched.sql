-- Phase 2: every piece of a ready batch is handed to the print house.
UPDATE deliveries SET status = 'dispatched', dispatched_at = $dispatched_at
WHERE print_batch_id = $batch_id AND status = 'batched'
