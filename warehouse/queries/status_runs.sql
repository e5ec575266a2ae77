-- `iportal status`: the last runs, newest first, with their duration and main counts.
SELECT run_id, flow, status, started_at, finished_at,
       date_diff('second', started_at, finished_at) AS seconds,  -- a crash has no known end
       crash_detected_at, crash_detected_by, host, pid,
       summary->>'documents_routed'   AS routed,
       summary->>'documents_rendered' AS rendered,
       coalesce(summary->>'portal_published', summary->>'published') AS published,
       summary->>'digests_sent'       AS digests_sent
FROM runs
ORDER BY started_at DESC
LIMIT $limit
