-- Issue 20: why rows were quarantined, per run (DESIGN rule 7): landing rows (source
-- 'ingest', reason = the quarantine's reason code) and Peppol documents that failed
-- validation (source 'peppol', reason = the failed rule id; rows = documents).
CREATE OR REPLACE VIEW quarantine_by_run AS
WITH reasons AS (
    SELECT run_id, 'ingest' AS source, reason, count(*) AS rows,
           count(DISTINCT file_name) AS files
    FROM quarantine
    GROUP BY ALL
    UNION ALL
    SELECT run_id, 'peppol' AS source, rule_id AS reason,
           count(DISTINCT (issuer, document_number, purpose)) AS rows, 0 AS files
    FROM peppol_failures
    GROUP BY ALL
)
SELECT q.run_id, r.flow, r.started_at, r.status AS run_status, q.source, q.reason,
       q.rows, q.files
FROM reasons AS q
LEFT JOIN runs AS r USING (run_id);
