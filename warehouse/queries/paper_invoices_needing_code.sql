-- R17: tonight's paper invoices (paper delivery still `decided`, so not in a print batch)
-- that have no activation code assigned; with the customer code's last code, whether the
-- invoice opens a new contract, and whether a backfill running at the same time already
-- drew it without its code (that drawing is forgotten and redrawn with the code).
WITH latest AS (
    SELECT customer_code, max(serial) AS serial, arg_max(expires_at, serial) AS expires_at
    FROM activation_codes
    GROUP BY customer_code
)
SELECT
    v.issuer,
    v.document_number,
    v.customer_code,
    c.channel_choice,
    l.serial AS latest_serial,
    l.expires_at AS latest_expires_at,
    d.contract_number IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM documents AS e
        WHERE e.customer_code = d.customer_code
          AND e.contract_number = d.contract_number
          AND (e.issue_date, e.document_number) < (d.issue_date, d.document_number)
    ) AS new_contract,
    EXISTS (
        SELECT 1 FROM renditions AS r
        WHERE r.issuer = v.issuer AND r.document_number = v.document_number
          AND r.variant = 'original'
    ) AS drawn_without_code
FROM deliveries AS v
JOIN documents AS d USING (issuer, document_number)
JOIN customers AS c ON c.customer_code = v.customer_code
LEFT JOIN latest AS l ON l.customer_code = v.customer_code
WHERE v.channel = 'paper' AND v.purpose = 'original' AND v.status = 'decided'
  AND d.document_type = 'invoice'
  AND NOT EXISTS (
      SELECT 1 FROM printed_activation_codes AS p
      WHERE p.issuer = v.issuer AND p.document_number = v.document_number
  )
ORDER BY v.customer_code, d.issue_date, v.issuer, v.document_number
