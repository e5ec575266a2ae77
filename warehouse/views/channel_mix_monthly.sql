-- Documents per issuer, channel and month of issue (original deliveries only, so a
-- document counts once per channel it travelled by).
CREATE OR REPLACE VIEW channel_mix_monthly AS
WITH originals AS (
    SELECT d.issuer, d.channel, doc.issue_date
    FROM deliveries AS d
    JOIN documents AS doc USING (issuer, document_number)
    WHERE d.purpose = 'original'
),
monthly AS (
    SELECT
        issuer,
        channel,
        date_trunc('month', issue_date)::DATE AS month,
        count(*) AS documents
    FROM originals
    GROUP BY ALL
)
SELECT issuer, channel, month, documents FROM monthly;
