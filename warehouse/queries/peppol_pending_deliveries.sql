-- Peppol deliveries to build, validate and send (issue 7): the decided ones, and those
-- a previous run left in 'sending' (crash or access point unreachable), which are sent
-- again under the same idempotency key; never twice in one run. The PDF must exist.
-- "Not yet tried in this run" is a NOT EXISTS, not a LEFT JOIN with an OR: DuckDB 2.0.1
-- dropped this query's LIMIT in that form once the database was reopened (issue 9: the
-- whole night in one batch; tests/tasks/test_peppol_deliver.py). send_attempt: the
-- operator's re-sends + 1 (issue 18).
SELECT
    v.issuer, v.document_number, v.purpose, v.customer_code,
    d.document_type, d.issue_date, d.due_date, d.contract_number, d.currency,
    d.lines::VARCHAR AS lines, d.total_excl_vat, d.total_vat, d.total_incl_vat,
    d.payment_reference, d.credited_document_number,
    credited.issue_date AS credited_issue_date,
    d.period_start, d.period_end,
    c.name, c.enterprise_number, c.vat_id, c.street, c.postal_code, c.city, c.country,
    r.path AS pdf_path,
    coalesce((SELECT m.send_attempt FROM peppol_messages AS m
              WHERE m.issuer = v.issuer AND m.document_number = v.document_number
                AND m.purpose = v.purpose), 1) AS send_attempt
FROM deliveries AS v
JOIN documents AS d USING (issuer, document_number)
JOIN customers AS c ON c.customer_code = v.customer_code
JOIN renditions AS r
  ON r.issuer = v.issuer AND r.document_number = v.document_number AND r.variant = 'original'
LEFT JOIN documents AS credited
  ON credited.issuer = d.issuer AND credited.document_number = d.credited_document_number
WHERE v.channel = 'peppol' AND v.purpose = 'original'
  AND (v.status = 'decided' OR (v.status = 'sending' AND NOT EXISTS (
      SELECT 1 FROM peppol_messages AS m
      WHERE m.issuer = v.issuer AND m.document_number = v.document_number
        AND m.purpose = v.purpose AND m.run_id = $run_id)))
ORDER BY v.issuer, v.document_number
LIMIT $limit
