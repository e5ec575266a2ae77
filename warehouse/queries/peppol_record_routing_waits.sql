-- Documents of peppol_wait_batch wait for their lookup in this run; the first wait's
-- moment is kept (it starts the peppol_lookup_max_wait_days count).
INSERT INTO peppol_routing_waits
SELECT issuer, document_number, participant_id, first_waited_at, last_run_id, detail
FROM peppol_wait_batch
ON CONFLICT (issuer, document_number) DO UPDATE SET
    last_run_id = excluded.last_run_id,
    detail = excluded.detail
