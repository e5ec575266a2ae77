-- Issue 20: Peppol documents of run $run_id that were not sent (failed validation,
-- refused by the access point, or any failed/rejected state), with their failed rules.
SELECT
    m.issuer,
    m.document_number,
    d.customer_code,
    m.status,
    coalesce(string_agg(DISTINCT f.rule_id, ', ' ORDER BY f.rule_id), any_value(m.last_error), '')
        AS rules
FROM peppol_messages AS m
LEFT JOIN deliveries AS d
  ON d.issuer = m.issuer AND d.document_number = m.document_number
 AND d.purpose = m.purpose AND d.channel = 'peppol'
LEFT JOIN peppol_failures AS f
  ON f.issuer = m.issuer AND f.document_number = m.document_number
 AND f.purpose = m.purpose
WHERE m.run_id = $run_id AND (m.status LIKE '%fail%' OR m.status LIKE '%reject%')
GROUP BY ALL
ORDER BY m.issuer, m.document_number
