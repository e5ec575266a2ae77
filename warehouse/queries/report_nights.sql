-- Issue 20: the last nightly runs (newest first, $limit of them) with what their summary
-- records: duration per step, CPU and peak memory. Any status (completed, failed,
-- crashed...) is listed as it is.
SELECT
    run_id,
    as_of,
    started_at,
    status,
    TRY_CAST(summary->>'$.timings_seconds.ingest' AS DOUBLE) AS ingest_seconds,
    TRY_CAST(summary->>'$.timings_seconds.route' AS DOUBLE) AS route_seconds,
    TRY_CAST(summary->>'$.timings_seconds.render' AS DOUBLE) AS render_seconds,
    TRY_CAST(summary->>'$.timings_seconds.dispatch' AS DOUBLE) AS dispatch_seconds,
    TRY_CAST(summary->>'$.timings_seconds.total' AS DOUBLE) AS total_seconds,
    TRY_CAST(summary->>'$.resources.cpu_seconds' AS DOUBLE) AS cpu_seconds,
    TRY_CAST(summary->>'$.resources.peak_rss_mib' AS DOUBLE) AS peak_rss_mib
FROM runs
WHERE flow = 'nightly'
ORDER BY started_at DESC
LIMIT $limit
