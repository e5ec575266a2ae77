-- R25, R31: flagged addresses for operators, with the customer references (DL...) of
-- the people behind them and the last bounce's category.
WITH people AS (
    SELECT lower(trim(email)) AS address, user_id, account_id, role
    FROM users
    WHERE status <> 'deleted'
),
codes AS (
    SELECT p.address, acc.customer_code
    FROM people AS p
    JOIN account_customer_codes AS acc ON acc.account_id = p.account_id
    WHERE p.role = 'main'
    UNION
    SELECT p.address, g.customer_code
    FROM people AS p
    JOIN grants AS g ON g.user_id = p.user_id
    UNION
    SELECT lower(trim(contact_email)), customer_code
    FROM customers
    WHERE contact_email IS NOT NULL
),
last_bounce AS (
    SELECT address, arg_max(category, recorded_at) AS last_category
    FROM bounces
    WHERE kind = 'hard'
    GROUP BY address
)
SELECT
    f.address,
    f.hard_bounces,
    l.last_category,
    f.flagged_at,
    f.last_bounce_at,
    coalesce(
        list(DISTINCT c.customer_code ORDER BY c.customer_code)
            FILTER (WHERE c.customer_code IS NOT NULL),
        []
    ) AS customer_codes
FROM flagged_addresses AS f
LEFT JOIN last_bounce AS l USING (address)
LEFT JOIN codes AS c USING (address)
GROUP BY ALL
ORDER BY f.last_bounce_at DESC, f.address
