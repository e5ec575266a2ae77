-- When each document of peppol_wait_batch first waited for its participant lookup.
SELECT w.issuer, w.document_number, w.first_waited_at
FROM peppol_routing_waits AS w
JOIN peppol_wait_batch AS b USING (issuer, document_number)
