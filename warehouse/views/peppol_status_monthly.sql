-- Issue 20: Peppol documents per issuer, month of issue and status. The pipeline's
-- status is the Peppol message's (sending | dispatched | failed_validation | rejected,
-- and whatever later states the table gains), else the delivery's while no message
-- exists (decided...); legacy Peppol deliveries are 'delivered', source 'legacy'.
CREATE OR REPLACE VIEW peppol_status_monthly AS
WITH statuses AS (
    SELECT d.issuer, doc.issue_date, d.purpose, coalesce(m.status, d.status) AS status,
           'pipeline' AS source
    FROM deliveries AS d
    JOIN documents AS doc USING (issuer, document_number)
    LEFT JOIN peppol_messages AS m
      ON m.issuer = d.issuer AND m.document_number = d.document_number
     AND m.purpose = d.purpose
    WHERE d.channel = 'peppol'
    UNION ALL
    SELECT l.issuer, doc.issue_date, l.purpose, 'delivered' AS status, 'legacy' AS source
    FROM legacy_deliveries AS l
    JOIN documents AS doc USING (issuer, document_number)
    WHERE l.channel = 'peppol'
)
SELECT issuer, date_trunc('month', issue_date)::DATE AS month, purpose, status, source,
       count(*) AS documents
FROM statuses
GROUP BY ALL;
