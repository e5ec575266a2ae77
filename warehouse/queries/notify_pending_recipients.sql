-- People (one e-mail address each) with pending lines for this frequency and no digest
-- for this period yet: one e-mail per recipient per period (R24). Lines that arrive
-- after the period's digest wait for the next period.
SELECT DISTINCT lower(trim(u.email)) AS recipient
FROM digest_documents AS dd
JOIN users AS u USING (user_id)
WHERE dd.status = 'pending' AND u.frequency = $frequency
  AND NOT EXISTS (
      SELECT 1 FROM digests AS g
      WHERE g.recipient = lower(trim(u.email))
        AND g.frequency = $frequency AND g.period = $period
  )
ORDER BY recipient
