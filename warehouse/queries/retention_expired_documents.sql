-- Retention (issue 19): documents whose legal retention period is over. Art. 60 § 4
-- WBTW: kept `retention_years` counted from 1 January after the document's date, so a
-- document of year Y may go from 1 January of Y + retention_years + 1 on. Customer codes
-- on legal hold stay. One batch, oldest first, with the archived PDFs to remove.
SELECT d.issuer, d.document_number, d.issue_date,
       list(r.path ORDER BY r.variant) FILTER (WHERE r.path IS NOT NULL) AS pdf_keys,
       list(r.sha256 ORDER BY r.variant) FILTER (WHERE r.sha256 IS NOT NULL) AS pdf_sha256
FROM documents AS d
LEFT JOIN renditions AS r USING (issuer, document_number)
WHERE d.issue_date < make_date(year($as_of::DATE) - $retention_years, 1, 1)
  AND d.issuer || d.customer_number NOT IN (SELECT unnest($held::VARCHAR[]))
GROUP BY d.issuer, d.document_number, d.issue_date
ORDER BY d.issue_date, d.issuer, d.document_number
LIMIT $limit
