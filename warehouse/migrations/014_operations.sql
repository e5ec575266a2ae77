-- Issue 19, operators. A run records the process that runs it (pid and its start time in
-- clock ticks, /proc/PID/stat field 22, so that a reused pid is never taken for it), the
-- host, and its Prefect flow run. A run whose process is gone is marked 'crashed' by the
-- next run or by `iportal status`, which record when and who found it; the Prefect flow
-- run is set to Crashed when an API is at hand (prefect_marked_at), else by a later run.
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN pid_start_ticks BIGINT;
ALTER TABLE runs ADD COLUMN host VARCHAR;
ALTER TABLE runs ADD COLUMN prefect_flow_run_id VARCHAR;
ALTER TABLE runs ADD COLUMN crash_detected_at TIMESTAMPTZ;
ALTER TABLE runs ADD COLUMN crash_detected_by VARCHAR;
ALTER TABLE runs ADD COLUMN prefect_marked_at TIMESTAMPTZ;

-- R25, operator actions: an address an operator suppressed is not mailed any more (its
-- due digests become `failed` with the reason); unflagging removes a flagged_addresses
-- row after master data was corrected. Both audited (ids and the address's sha256 only).
CREATE TABLE suppressed_addresses (
    address        VARCHAR PRIMARY KEY,   -- lower-case
    reason         VARCHAR NOT NULL,
    suppressed_at  TIMESTAMPTZ NOT NULL,
    actor          VARCHAR NOT NULL
);
