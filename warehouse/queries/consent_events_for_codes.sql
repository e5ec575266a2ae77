-- Consent events of the customer codes in chunk_codes, oldest first.
SELECT e.customer_code, e."at", e.event, e.channel
FROM consent_events AS e
JOIN chunk_codes AS k USING (customer_code)
WHERE e.event <> 'refused'
ORDER BY e."at"
