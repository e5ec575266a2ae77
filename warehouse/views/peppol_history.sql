-- One row per Peppol delivery (issue 18): the route's reason (with the participant
-- lookup's answer), the validation, the post and what came back. Columns may be added,
-- never renamed.
CREATE OR REPLACE VIEW peppol_history AS
WITH responses AS (
    SELECT issuer, document_number, purpose,
        count(*) AS responses,
        max(received_at) AS last_response_at
    FROM peppol_responses
    WHERE matched
    GROUP BY ALL
)
SELECT
    v.issuer,
    v.customer_code,
    v.document_number,
    doc.document_type,
    doc.issue_date,
    doc.total_incl_vat AS amount_incl_vat,
    v.purpose,
    v.status,
    v.reason,
    v.decided_at,
    v.dispatched_at,
    m.status AS message_status,          -- sending | dispatched | failed_validation | rejected
    m.send_attempt,
    m.idempotency_key,
    m.message_id,
    m.access_point,
    m.transmission,                      -- sent | delivered | failed
    m.transmission_at,
    m.mlr_code,                          -- AB | AP | RE
    m.invoice_response_code,             -- AB | IP | UQ | CA | RE | AP | PD
    m.responded_at,
    coalesce(r.responses, 0) AS responses,
    coalesce(v.status NOT IN ('decided', 'sending') AND (
        m.status IN ('failed_validation', 'rejected') OR m.transmission = 'failed'
        OR m.mlr_code = 'RE' OR m.invoice_response_code = 'RE'), false) AS needs_operator,
    v.run_id
FROM deliveries AS v
JOIN documents AS doc USING (issuer, document_number)
LEFT JOIN peppol_messages AS m
  ON m.issuer = v.issuer AND m.document_number = v.document_number AND m.purpose = v.purpose
LEFT JOIN responses AS r
  ON r.issuer = v.issuer AND r.document_number = v.document_number AND r.purpose = v.purpose
WHERE v.channel = 'peppol';
