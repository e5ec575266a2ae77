-- Issue 19: the lost piece again, as a paper delivery of its own; the next print batch
-- takes it (paper_ready_for_batch.sql) with the duplicate-marked rendition.
INSERT INTO deliveries (issuer, document_number, channel, purpose, customer_code, status,
                        reason, decided_at, run_id)
VALUES ($issuer, $document_number, 'paper', 'reprint', $customer_code, 'decided', $reason,
        $at, $run_id)
