-- What a document's PDF is drawn from: the document as issued with its customer's
-- language and address. Not an analyst view: the one column list (issue 22) that the
-- render step (unrendered_documents), duplicates (duplicate_render_row) and the
-- re-render audit (rendered_documents_sample) read, so the three cannot drift
-- (tasks/renditions.py turns a row into a RenderJob).
CREATE OR REPLACE VIEW render_input AS
SELECT
    d.issuer, d.document_number, d.document_type, d.issue_date, d.due_date,
    d.customer_number, d.contract_number, d.currency, d.lines::VARCHAR AS lines,
    d.total_excl_vat, d.total_vat, d.total_incl_vat, d.payment_reference,
    d.credited_document_number,
    c.customer_code, c.name, c.street, c.postal_code, c.city, c.country, c.language,
    -- landing contract v2 (issue 17): what the PDF states about the customer and period
    c.vat_id AS customer_vat_id, c.country AS customer_country, d.period_start, d.period_end
FROM documents AS d
JOIN customers AS c USING (customer_code);
