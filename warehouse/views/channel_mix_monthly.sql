-- Documents per issuer, channel and month of issue: the pipeline's original deliveries
-- and the legacy system's deliveries of the history (issue 20), so a document counts
-- once per channel it travelled by. source: 'pipeline' | 'legacy'.
CREATE OR REPLACE VIEW channel_mix_monthly AS
WITH originals AS (
    SELECT d.issuer, d.channel, doc.issue_date, 'pipeline' AS source
    FROM deliveries AS d
    JOIN documents AS doc USING (issuer, document_number)
    WHERE d.purpose = 'original'
    UNION ALL
    SELECT l.issuer, l.channel, doc.issue_date, 'legacy' AS source
    FROM legacy_deliveries AS l
    JOIN documents AS doc USING (issuer, document_number)
),
monthly AS (
    SELECT
        issuer,
        channel,
        date_trunc('month', issue_date)::DATE AS month,
        count(*) AS documents,
        source
    FROM originals
    GROUP BY ALL
)
SELECT issuer, channel, month, documents, source FROM monthly;
