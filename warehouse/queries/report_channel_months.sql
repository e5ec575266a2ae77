-- Issue 20: documents per issuer, month and channel, for the channel mix chart.
SELECT issuer, month, channel, sum(documents)::BIGINT AS documents
FROM channel_mix_monthly
GROUP BY ALL
ORDER BY issuer, month, channel
