-- `iportal status`: what waits, one row. "Since the last run": since the start of the
-- last completed nightly (quarantine rows of a later, crashed run count too).
WITH last_night AS (
    SELECT max(started_at) AS at FROM runs WHERE flow = 'nightly' AND status = 'completed'
)
SELECT
    (SELECT count(*) FROM digests WHERE status = 'queued')                    AS digests_queued,
    (SELECT count(*) FROM digests WHERE status = 'queued' AND last_error IS NOT NULL)
                                                                              AS digests_queued_after_error,
    (SELECT any_value(last_error) FROM digests WHERE status = 'queued' AND last_error IS NOT NULL)
                                                                              AS digest_error,
    (SELECT count(*) FROM digests WHERE status = 'failed')                    AS digests_failed,
    (SELECT count(*) FROM peppol_messages WHERE status = 'rejected')          AS peppol_rejected,
    (SELECT count(*) FROM peppol_messages WHERE status = 'failed_validation') AS peppol_failed,
    (SELECT count(*) FROM peppol_messages WHERE status = 'sending')           AS peppol_sending,
    (SELECT count(*) FROM quarantine, last_night
      WHERE last_night.at IS NULL OR quarantined_at >= last_night.at)         AS quarantined_since_last_run,
    (SELECT count(*) FROM flagged_addresses)                                  AS flagged_addresses,
    (SELECT count(*) FROM backfill_requests WHERE finished_at IS NULL)        AS backfills_pending,
    (SELECT count(*) FROM runs WHERE status = 'running')                      AS runs_running,
    (SELECT max(started_at) FROM runs WHERE flow = 'nightly' AND status = 'completed')
                                                                              AS last_completed_nightly
