-- Issue 20: documents per channel decided by each of the given runs (original
-- deliveries: one per document and channel).
SELECT run_id, channel, count(*) AS documents
FROM deliveries
WHERE purpose = 'original' AND run_id IN (SELECT unnest($run_ids))
GROUP BY ALL
ORDER BY run_id, channel
