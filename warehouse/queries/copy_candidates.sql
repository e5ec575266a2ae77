-- Electronic deliveries not yet published of documents whose original went on paper,
-- with when the paper was printed and the customer code's opt-ins (domain/copies.py).
WITH printed AS (
    SELECT issuer, document_number, min(coalesce(dispatched_at, decided_at)) AS printed_at
    FROM deliveries
    WHERE channel = 'paper' AND purpose = 'original' AND status IN ('batched', 'dispatched')
    GROUP BY ALL
)
SELECT
    v.issuer, v.document_number, v.channel, v.purpose, v.decided_at, p.printed_at,
    list(e."at" ORDER BY e."at") FILTER (WHERE e."at" IS NOT NULL) AS opt_ins
FROM deliveries AS v
JOIN printed AS p USING (issuer, document_number)
LEFT JOIN consent_events AS e
  ON e.customer_code = v.customer_code
 AND e.event IN ('network_activated', 'portal_activated')
WHERE v.channel <> 'paper' AND v.status = 'decided' AND NOT v.is_copy
GROUP BY ALL
