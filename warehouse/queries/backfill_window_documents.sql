-- R21: how many documents the portal window holds for the backfill's codes (those not
-- decided by this run were already in the portal: the run report's `skipped`).
SELECT count(*)
FROM documents AS d
JOIN backfill_windows AS w ON w.customer_code = d.customer_code AND w.channel = 'portal'
WHERE d.issue_date >= w.window_start AND d.issue_date <= $as_of_date
