-- Issue 20: documents per issuer, year of issue and channel over the whole history
-- (pipeline and legacy), for the channel mix chart and table.
SELECT issuer, year(month) AS year, channel, sum(documents)::BIGINT AS documents
FROM channel_mix_monthly
GROUP BY ALL
ORDER BY issuer, year, channel
