-- One row per delivery (DESIGN: analyst views). Columns may be added, never renamed.
-- source: 'pipeline' (this system's deliveries) or 'legacy' (how the old system
-- delivered a history document, issue 20: purpose 'legacy', status 'delivered',
-- decided_at = dispatched_at = when it was delivered).
CREATE OR REPLACE VIEW delivery_history AS
WITH deliveries_with_documents AS (
    SELECT
        d.issuer,
        d.customer_code,
        d.document_number,
        doc.document_type,
        doc.issue_date,
        doc.total_incl_vat AS amount_incl_vat,
        d.channel,
        d.purpose,
        d.status,
        d.reason,
        d.decided_at,
        d.dispatched_at,
        d.run_id,
        d.is_copy,
        d.print_batch_id,
        m.message_id AS peppol_message_id,
        -- issue 18: what happened after the Peppol post
        m.transmission AS peppol_transmission,
        m.mlr_code AS peppol_mlr,
        m.invoice_response_code AS peppol_invoice_response,
        m.send_attempt AS peppol_attempt,
        'pipeline' AS source
    FROM deliveries AS d
    JOIN documents AS doc USING (issuer, document_number)
    LEFT JOIN peppol_messages AS m
      ON d.channel = 'peppol' AND m.issuer = d.issuer
     AND m.document_number = d.document_number AND m.purpose = d.purpose
),
legacy_with_documents AS (
    SELECT
        l.issuer,
        l.customer_code,
        l.document_number,
        doc.document_type,
        doc.issue_date,
        doc.total_incl_vat AS amount_incl_vat,
        l.channel,
        l.purpose,
        'delivered' AS status,
        'delivered by the legacy system before go-live' AS reason,
        l.delivered_at AS decided_at,
        l.delivered_at AS dispatched_at,
        l.run_id,
        false AS is_copy,
        l.print_batch AS print_batch_id,
        CASE WHEN l.channel = 'peppol' THEN l.message_id END AS peppol_message_id,
        'legacy' AS source,
        l.message_id AS legacy_message_id
    FROM legacy_deliveries AS l
    JOIN documents AS doc USING (issuer, document_number)
)
SELECT * FROM deliveries_with_documents
UNION ALL BY NAME
SELECT * FROM legacy_with_documents;
