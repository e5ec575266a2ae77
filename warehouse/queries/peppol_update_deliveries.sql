-- The Peppol deliveries of peppol_batch take their new status (sending | dispatched |
-- failed); a failure's reason replaces the routing reason, as for render failures.
UPDATE deliveries AS v
SET status = b.delivery_status,
    reason = coalesce(b.reason, v.reason),
    dispatched_at = coalesce(b.dispatched_at, v.dispatched_at)
FROM peppol_batch AS b
WHERE v.issuer = b.issuer AND v.document_number = b.document_number
  AND v.channel = 'peppol' AND v.purpose = b.purpose
