-- The failed rules of one Peppol delivery's validations, last run first.
SELECT layer, rule_id, flag, text, location, run_id, failed_at
FROM peppol_failures
WHERE issuer = $issuer AND document_number = $document_number AND purpose = $purpose
ORDER BY failed_at DESC, rule_id
