-- Peppol BIS Billing 3.0 channel (issue 7). The delivery itself stays in `deliveries`
-- (channel 'peppol', its primary key the idempotency key); this is what Peppol adds.

-- One row per Peppol delivery: the UBL that was validated and sent, and its outcome.
-- status: sending (validated, handed or about to be handed to the access point; a
-- resume sends it again under the same idempotency key) | dispatched (the access point
-- accepted it; message_id is its id) | failed_validation (never sent; see
-- peppol_failures) | rejected (the access point refused it with a 4xx).
CREATE TABLE peppol_messages (
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    purpose          VARCHAR NOT NULL,
    idempotency_key  VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,
    document_type    VARCHAR NOT NULL,      -- Invoice | CreditNote (UBL root)
    ubl_sha256       VARCHAR,
    ubl_bytes        BIGINT,
    access_point     VARCHAR NOT NULL,      -- outbox | http
    message_id       VARCHAR,
    failures         JSON,                  -- [{layer, rule_id, text, flag, location}]
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       VARCHAR,
    run_id           VARCHAR NOT NULL,      -- the run of the last attempt
    updated_at       TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ,
    PRIMARY KEY (issuer, document_number, purpose)
);

-- Quarantine of Peppol documents: every failed rule of every failed validation.
CREATE TABLE peppol_failures (
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    purpose          VARCHAR NOT NULL,
    customer_code    VARCHAR NOT NULL,
    layer            VARCHAR NOT NULL,      -- xsd | en16931 | peppol
    rule_id          VARCHAR NOT NULL,      -- e.g. BR-CO-15, PEPPOL-EN16931-R003
    flag             VARCHAR NOT NULL,      -- fatal | warning
    text             VARCHAR NOT NULL,
    location         VARCHAR,
    run_id           VARCHAR NOT NULL,
    failed_at        TIMESTAMPTZ NOT NULL
);
