-- Mark the deliveries of fanout_batch resolved, with how many people will hear of them.
INSERT INTO notification_fanouts
SELECT b.issuer, b.document_number, b.channel, b.purpose, b.customer_code,
    count(dd.user_id) AS recipients, $resolved_at, $run_id
FROM fanout_batch AS b
LEFT JOIN digest_documents AS dd
  ON dd.issuer = b.issuer AND dd.document_number = b.document_number
GROUP BY ALL
RETURNING customer_code, recipients
