-- R3: live accounts whose segment no longer matches their customer codes (enterprise
-- numbers were validated at ingest, so a present one is a valid one).
WITH computed AS (
    SELECT
        acc.account_id,
        CASE WHEN bool_or(c.enterprise_number IS NOT NULL) THEN 'B2B' ELSE 'B2C' END
            AS segment
    FROM account_customer_codes AS acc
    JOIN customers AS c USING (customer_code)
    GROUP BY acc.account_id
)
SELECT a.account_id, a.segment AS previous_segment, k.segment
FROM accounts AS a
JOIN computed AS k USING (account_id)
WHERE a.status <> 'merged' AND a.segment <> k.segment
ORDER BY a.account_id
