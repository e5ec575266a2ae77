-- Issue 21: a materialised view of counts per group, brought up to date: the previous
-- snapshot's counts, minus what the touched documents counted there (before), plus what
-- they count now (after). A group left at zero is gone, as in a full rebuild. Every
-- document counts in the groups of its own rows only, so the result equals the view
-- computed again over every document (tests/test_snapshot_incremental.py checks it).
-- {view}, {keys}, {sums}, {negated}, {select} and {order} come from
-- warehouse.store.MATERIALISED_VIEWS, never from input.
CREATE TABLE {view}_materialised AS
WITH counted AS (
    SELECT {keys}, {sums} FROM previous.{view}
    UNION ALL
    SELECT {keys}, {negated} FROM world_before_{view}
    UNION ALL
    SELECT {keys}, {sums} FROM world_after_{view}
),
merged AS (
    SELECT {keys}, {summed}
    FROM counted
    GROUP BY ALL
    HAVING {nonzero}
)
SELECT {select} FROM merged
ORDER BY {order};
DROP VIEW {view};
ALTER TABLE {view}_materialised RENAME TO {view};
