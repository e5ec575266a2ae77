-- R26-R29, issue 16: the documents a person may see, filtered; every filter is a
-- parameter (NULL = no filter). Visibility starts from the person's own live memberships
-- (view live_memberships: accepted, or the main contact named by master data), never
-- from an address: each account's documents only through that membership. ORDER BY
-- comes from a whitelist in tasks/search.py.
WITH memberships AS (
    SELECT m.user_id, m.account_id, m.role, m.login_id
    FROM live_memberships AS m
    WHERE m.person_id = $person_id
),
visible_codes AS (
    -- R29: the main contact sees every code of the account ...
    SELECT acc.customer_code, m.account_id, m.login_id
    FROM memberships AS m
    JOIN account_customer_codes AS acc ON acc.account_id = m.account_id
    WHERE m.role = 'main'
    UNION
    -- ... shared users and third parties only the codes granted to them (R8, R9)
    SELECT g.customer_code, m.account_id, m.login_id
    FROM memberships AS m
    JOIN grants AS g ON g.user_id = m.user_id
    JOIN account_customer_codes AS acc
      ON acc.customer_code = g.customer_code AND acc.account_id = m.account_id
    WHERE m.role <> 'main'
),
published AS (
    -- R28: bold means new since you last looked. A document published to the portal
    -- only by a backfill (R21: the seven years of history) was never new to anyone.
    SELECT v.issuer, v.document_number, bool_or(v.purpose <> 'backfill') AS announced
    FROM deliveries AS v
    WHERE v.channel = 'portal' AND v.status = 'published'
    GROUP BY v.issuer, v.document_number
),
documents_seen AS (
    SELECT
        d.issuer, d.document_number, d.document_type, d.issue_date, d.due_date,
        d.customer_code, d.total_incl_vat AS amount_incl_vat,
        -- what a customer recognises a document by: the contract, the first line
        d.contract_number, json_extract_string(d.lines, '$[0].description') AS first_line,
        r.first_read_at IS NULL AND published.announced AS unread,
        vc.account_id, vc.login_id AS account_login
    FROM documents AS d
    JOIN visible_codes AS vc USING (customer_code)
    JOIN published USING (issuer, document_number)
    LEFT JOIN document_reads AS r
      ON r.person_id = $person_id AND r.issuer = d.issuer
     AND r.document_number = d.document_number
)
SELECT *, count(*) OVER () AS total_rows
FROM documents_seen
WHERE ($date_from IS NULL OR issue_date >= $date_from)
  AND ($date_to IS NULL OR issue_date <= $date_to)
  AND ($number IS NULL OR document_number = $number)
  AND ($number_prefix IS NULL OR starts_with(document_number, $number_prefix))
  AND ($document_type IS NULL OR document_type = $document_type)
  AND ($amount_min IS NULL OR amount_incl_vat >= $amount_min)
  AND ($amount_max IS NULL OR amount_incl_vat <= $amount_max)
  AND ($customer_code IS NULL OR customer_code = $customer_code)
  AND ($issuer IS NULL OR issuer = $issuer)
ORDER BY {order_by}
LIMIT $limit OFFSET $offset
