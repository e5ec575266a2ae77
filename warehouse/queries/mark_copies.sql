UPDATE deliveries SET is_copy = true
FROM copy_keys AS k
WHERE deliveries.issuer = k.issuer AND deliveries.document_number = k.document_number
  AND deliveries.channel = k.channel AND deliveries.purpose = k.purpose
