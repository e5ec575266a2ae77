-- What the participant lookup did to a run's routing (issue 18): documents routed to
-- Peppol, routed by the previous rules because not registered (or unanswered too
-- long), and waiting for an answer.
SELECT
    count(DISTINCT CASE WHEN channel = 'peppol' THEN issuer || '/' || document_number END)
        AS routed_peppol,
    count(DISTINCT CASE WHEN channel <> 'peppol' AND (reason LIKE '%not on Peppol:%'
                        OR reason LIKE '%Peppol lookup unanswered%')
                        THEN issuer || '/' || document_number END) AS not_registered,
    (SELECT count(*) FROM peppol_routing_waits WHERE last_run_id = $run_id) AS waiting_lookup
FROM deliveries
WHERE run_id = $run_id AND purpose = 'original'
