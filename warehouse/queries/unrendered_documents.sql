-- Documents with a delivery still to make (original or backfill) and no PDF yet, in key
-- order after ($after_issuer, $after_number) when given (issue 21: the next batch is
-- chosen while the workers still draw the previous one, which is not recorded yet).
SELECT
    d.issuer, d.document_number, d.document_type, d.issue_date, d.due_date,
    d.customer_number, d.contract_number, d.currency, d.lines::VARCHAR AS lines,
    d.total_excl_vat, d.total_vat, d.total_incl_vat, d.payment_reference,
    d.credited_document_number,
    c.customer_code, c.name, c.street, c.postal_code, c.city, c.country, c.language,
    -- landing contract v2 (issue 17): what the PDF states about the customer and period
    c.vat_id AS customer_vat_id, c.country AS customer_country, d.period_start, d.period_end
FROM documents AS d
JOIN customers AS c USING (customer_code)
WHERE EXISTS (
    SELECT 1 FROM deliveries AS v
    WHERE v.issuer = d.issuer AND v.document_number = d.document_number
      AND v.status = 'decided'
)
AND NOT EXISTS (
    SELECT 1 FROM renditions AS r
    WHERE r.issuer = d.issuer AND r.document_number = d.document_number
      AND r.variant = 'original'
)
AND ($after_issuer IS NULL OR d.issuer > $after_issuer
     OR (d.issuer = $after_issuer AND d.document_number > $after_number))
ORDER BY d.issuer, d.document_number
LIMIT $limit
