-- Issue 20: time from issue to first read in the portal (R28). One row per document
-- published in the portal (original or backfill delivery); first_read_at is the
-- earliest opening by anyone, NULL while nobody opened it. Hours count from midnight
-- UTC of the issue date, whatever the reader's session time zone.
CREATE OR REPLACE VIEW portal_first_reads AS
WITH published AS (
    SELECT issuer, document_number, min(dispatched_at) AS published_at,
           bool_or(purpose = 'backfill') AS backfilled
    FROM deliveries
    WHERE channel = 'portal' AND status = 'published' AND purpose IN ('original', 'backfill')
    GROUP BY ALL
),
reads AS (
    SELECT issuer, document_number, min(first_read_at) AS first_read_at, count(*) AS readers
    FROM document_reads
    GROUP BY ALL
)
SELECT
    p.issuer,
    doc.customer_code,
    p.document_number,
    doc.issue_date,
    p.published_at,
    p.backfilled,
    r.first_read_at,
    coalesce(r.readers, 0) AS readers,
    round((epoch(r.first_read_at) - epoch(doc.issue_date::TIMESTAMP)) / 3600, 2)
        AS hours_to_first_read
FROM published AS p
JOIN documents AS doc USING (issuer, document_number)
LEFT JOIN reads AS r USING (issuer, document_number);
