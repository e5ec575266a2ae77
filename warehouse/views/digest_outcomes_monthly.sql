-- Issue 20: notification e-mails (digests) per month they were queued, by outcome
-- (R25), and the bounce rate: bounced / (sent + bounced); NULL when none was sent.
CREATE OR REPLACE VIEW digest_outcomes_monthly AS
WITH monthly AS (
    SELECT
        date_trunc('month', queued_at AT TIME ZONE 'UTC')::DATE AS month,
        count(*) AS digests,
        count(*) FILTER (WHERE status = 'sent') AS sent,
        count(*) FILTER (WHERE status = 'soft_bounce') AS soft_bounces,
        count(*) FILTER (WHERE status = 'hard_bounce') AS hard_bounces,
        count(*) FILTER (WHERE status = 'failed') AS failed,
        count(*) FILTER (WHERE status = 'queued') AS queued,
        sum(documents) AS documents
    FROM digests
    GROUP BY ALL
)
SELECT *,
       round((soft_bounces + hard_bounces)
             / nullif(sent + soft_bounces + hard_bounces, 0), 4) AS bounce_rate
FROM monthly;
