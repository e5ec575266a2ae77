-- Each delivery takes the last new response of each kind, in arrival order: its
-- transmission, MLR code and Invoice Response code (issue 18).
UPDATE peppol_messages AS m
SET transmission = coalesce(x.transmission, m.transmission),
    transmission_at = CASE WHEN x.transmission IS NULL THEN m.transmission_at
                           ELSE x.received_at END,
    mlr_code = coalesce(x.mlr_code, m.mlr_code),
    invoice_response_code = coalesce(x.invoice_response_code, m.invoice_response_code),
    responded_at = CASE WHEN x.mlr_code IS NULL AND x.invoice_response_code IS NULL
                        THEN m.responded_at ELSE x.received_at END
FROM (
    SELECT issuer, document_number, purpose, max(received_at) AS received_at,
        arg_max(code, seq) FILTER (WHERE kind = 'transmission') AS transmission,
        arg_max(code, seq) FILTER (WHERE kind = 'mlr') AS mlr_code,
        arg_max(code, seq) FILTER (WHERE kind = 'invoice_response') AS invoice_response_code
    FROM peppol_response_new
    WHERE matched
    GROUP BY ALL
) AS x
WHERE m.issuer = x.issuer AND m.document_number = x.document_number AND m.purpose = x.purpose
