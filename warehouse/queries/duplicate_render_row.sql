-- R23: what a duplicate is drawn from (the document as issued, the customer's
-- language and address), with the duplicate already on file, if any.
SELECT
    d.issuer, d.document_number, d.document_type, d.issue_date, d.due_date,
    d.customer_number, d.contract_number, d.currency, d.lines::VARCHAR AS lines,
    d.total_excl_vat, d.total_vat, d.total_incl_vat, d.payment_reference,
    d.credited_document_number,
    c.customer_code, c.name, c.street, c.postal_code, c.city, c.country, c.language,
    -- landing contract v2 (issue 17): what the PDF states about the customer and period
    c.vat_id AS customer_vat_id, c.country AS customer_country, d.period_start, d.period_end,
    r.path AS duplicate_path, r.sha256 AS duplicate_sha256
FROM documents AS d
JOIN customers AS c USING (customer_code)
LEFT JOIN renditions AS r
  ON r.issuer = d.issuer AND r.document_number = d.document_number
 AND r.variant = 'duplicate'
WHERE d.issuer = $issuer AND d.document_number = $document_number
