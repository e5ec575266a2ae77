-- A reproducible sample of archived original PDFs with what is needed to re-render them.
SELECT
    d.issuer, d.document_number, d.document_type, d.issue_date, d.due_date,
    d.customer_number, d.contract_number, d.currency, d.lines::VARCHAR AS lines,
    d.total_excl_vat, d.total_vat, d.total_incl_vat, d.payment_reference,
    d.credited_document_number,
    c.customer_code, c.name, c.street, c.postal_code, c.city, c.country, c.language,
    -- landing contract v2 (issue 17): what the PDF states about the customer and period
    c.vat_id AS customer_vat_id, c.country AS customer_country, d.period_start, d.period_end,
    r.sha256 AS recorded_sha256
FROM renditions AS r
JOIN documents AS d USING (issuer, document_number)
JOIN customers AS c USING (customer_code)
WHERE r.variant = 'original'
ORDER BY hash(r.issuer || r.document_number || $seed)
LIMIT $limit
