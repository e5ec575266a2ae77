-- R3: apply the segments listed in segment_batch.
UPDATE accounts SET segment = s.segment
FROM segment_batch AS s
WHERE accounts.account_id = s.account_id
