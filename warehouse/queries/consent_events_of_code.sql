-- Consent events of one customer code that change its state, oldest first.
SELECT customer_code, "at", event, channel
FROM consent_events
WHERE customer_code = $customer_code AND event <> 'refused'
ORDER BY "at"
