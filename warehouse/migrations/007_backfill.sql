-- R21: backfills asked for by an activation, a customer code added to an active
-- account (also by a merge or a redeemed code), or an operator.
CREATE TABLE backfill_requests (
    request_id     VARCHAR PRIMARY KEY,
    account_id     VARCHAR,
    customer_code  VARCHAR,
    reason         VARCHAR NOT NULL,
    requested_at   TIMESTAMPTZ NOT NULL,
    started_at     TIMESTAMPTZ,
    finished_at    TIMESTAMPTZ,
    run_id         VARCHAR,
    counts         JSON
);
