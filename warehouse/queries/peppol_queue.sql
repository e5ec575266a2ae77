-- The operator queue (issue 18): Peppol deliveries that failed (validation, refused by
-- the access point, transmission failed, MLR RE) or that the buyer rejected (Invoice
-- Response RE), and are not being re-sent. Oldest problem first.
SELECT
    m.issuer, m.document_number, m.purpose, v.customer_code, m.document_type,
    CASE
        WHEN m.status = 'failed_validation' THEN 'validation failed'
        WHEN m.status = 'rejected' THEN 'refused by the access point'
        WHEN m.transmission = 'failed' THEN 'transmission failed'
        WHEN m.mlr_code = 'RE' THEN 'rejected by the receiving access point (MLR RE)'
        ELSE 'rejected by the buyer (Invoice Response RE)'
    END AS problem,
    v.reason, m.send_attempt, m.status AS message_status, m.transmission, m.mlr_code,
    m.invoice_response_code, m.updated_at, m.responded_at
FROM peppol_messages AS m
JOIN deliveries AS v
  ON v.issuer = m.issuer AND v.document_number = m.document_number
 AND v.channel = 'peppol' AND v.purpose = m.purpose
WHERE v.status NOT IN ('decided', 'sending')
  AND (m.status IN ('failed_validation', 'rejected') OR m.transmission = 'failed'
       OR m.mlr_code = 'RE' OR m.invoice_response_code = 'RE')
  AND ($customer_code IS NULL OR v.customer_code = $customer_code)
ORDER BY coalesce(m.responded_at, m.transmission_at, m.updated_at), m.issuer, m.document_number
LIMIT $limit
