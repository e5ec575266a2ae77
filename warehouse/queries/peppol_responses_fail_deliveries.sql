-- A failed transmission or a rejecting MLR fails the Peppol delivery (it joins the
-- operator queue, peppol_queue.sql); a later delivered / AB / AP puts a delivery that
-- was failed that way back to dispatched. The buyer's Invoice Response does not change
-- the delivery's status (the document reached the buyer); an RE queues it all the same.
UPDATE deliveries AS v
SET status = CASE WHEN m.transmission = 'failed' OR m.mlr_code = 'RE' THEN 'failed'
                  ELSE 'dispatched' END,
    reason = CASE WHEN m.transmission = 'failed' OR m.mlr_code = 'RE'
                  THEN left('Peppol ' || r.meaning || coalesce(': ' || r.first_reason, ''), 500)
                  ELSE v.reason END
FROM peppol_messages AS m,
    (SELECT issuer, document_number, purpose,
            arg_max(meaning, seq) AS meaning,
            arg_max(reasons->>'$[0].text', seq) AS first_reason
     FROM peppol_response_new
     WHERE matched AND kind <> 'invoice_response'
     GROUP BY ALL) AS r
WHERE v.channel = 'peppol'
  AND v.issuer = r.issuer AND v.document_number = r.document_number AND v.purpose = r.purpose
  AND m.issuer = r.issuer AND m.document_number = r.document_number AND m.purpose = r.purpose
  AND m.status = 'dispatched' AND v.status IN ('dispatched', 'failed')
