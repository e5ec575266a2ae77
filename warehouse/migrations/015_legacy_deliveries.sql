-- Issue 20: how the legacy system delivered the history documents (landing contract:
-- legacy_channel, legacy_delivered_at, legacy_print_batch, legacy_message_id).
-- A table of its own, not rows of `deliveries`: no pipeline query (print batches,
-- publishing, notifications, backfill, visibility) can ever pick a legacy delivery up,
-- so none is printed, sent or notified again. Its key is the idempotency key of DESIGN
-- rule 4 with purpose 'legacy': (issuer, document_number, channel, purpose). The
-- analyst views union it with `deliveries` and tell the two apart by `source`.
CREATE TABLE legacy_deliveries (
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    channel          VARCHAR NOT NULL
        CHECK (channel IN ('paper', 'portal', 'network', 'email', 'peppol')),
    purpose          VARCHAR NOT NULL DEFAULT 'legacy' CHECK (purpose = 'legacy'),
    customer_code    VARCHAR NOT NULL,
    delivered_at     TIMESTAMPTZ NOT NULL,
    print_batch      VARCHAR,
    message_id       VARCHAR,
    source_file      VARCHAR NOT NULL,
    source_line      INTEGER NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    run_id           VARCHAR NOT NULL,
    PRIMARY KEY (issuer, document_number, channel, purpose)
);
