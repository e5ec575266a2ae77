-- Channel mix per month over the history, all issuers together.
SELECT month, channel, sum(documents) AS documents
FROM channel_mix_monthly
GROUP BY ALL
ORDER BY month, channel
