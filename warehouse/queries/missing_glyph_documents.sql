-- Documents of one run drawn with characters no embedded font has (issue 17): they
-- print as U+FFFD; the run report counts them and lists the characters.
WITH drawn AS (
    SELECT e.entity, e.payload ->> 'missing_glyphs' AS missing
    FROM renditions AS r
    JOIN audit_events AS e
        ON e.event_type = 'document_rendered'
        AND e.entity = r.issuer || '/' || r.document_number
    WHERE r.run_id = $run_id
        AND r.variant = 'original'
        AND e.payload ->> 'missing_glyphs' IS NOT NULL
)
SELECT count(DISTINCT entity) AS documents,
       coalesce(string_agg(DISTINCT missing, '' ORDER BY missing), '') AS characters
FROM drawn
