-- One row per delivery (DESIGN: analyst views). Columns may be added, never renamed.
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
        m.send_attempt AS peppol_attempt
    FROM deliveries AS d
    JOIN documents AS doc USING (issuer, document_number)
    LEFT JOIN peppol_messages AS m
      ON d.channel = 'peppol' AND m.issuer = d.issuer
     AND m.document_number = d.document_number AND m.purpose = d.purpose
)
SELECT * FROM deliveries_with_documents;
