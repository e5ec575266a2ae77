-- R21: how many documents the portal window holds for the backfill's codes (those not
-- decided by this run were already in the portal: the run report's `skipped`).
SELECT count(*)
FROM documents AS d
JOIN backfill_codes AS b USING (customer_code)
WHERE d.issue_date >= b.window_start AND d.issue_date <= $as_of_date
