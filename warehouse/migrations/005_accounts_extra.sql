-- Accounts, activation codes and letters: what 002 does not hold (R5, R13, R16-R18).

-- R5: which account a main-contact e-mail belongs to. An account merge (R13) points the
-- merged account's e-mails at the surviving account, so master data that still names
-- the old contact keeps feeding the surviving account instead of recreating the old one.
CREATE TABLE contact_accounts (
    contact_email  VARCHAR PRIMARY KEY,
    account_id     VARCHAR NOT NULL,
    linked_at      TIMESTAMPTZ NOT NULL
);

-- R17: the activation code printed on a paper invoice, by serial: the code itself is
-- re-derived from the secret (never stored), so a re-render prints the same bytes
-- (DESIGN rule 5).
CREATE TABLE printed_activation_codes (
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    customer_code    VARCHAR NOT NULL,
    serial           INTEGER NOT NULL,
    assigned_at      TIMESTAMPTZ NOT NULL,
    run_id           VARCHAR,
    PRIMARY KEY (issuer, document_number)
);

-- R17: activation letters, a mail piece of their own in the print batch (posted with
-- the first invoice of a new contract, or on request).
CREATE TABLE activation_letters (
    letter_id        VARCHAR PRIMARY KEY,     -- also the mail piece id
    customer_code    VARCHAR NOT NULL,
    serial           INTEGER NOT NULL,
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,        -- the invoice it travels with, or its own reference
    reason           VARCHAR NOT NULL,        -- first_code | new_contract | on_request
    channel_choice   VARCHAR NOT NULL,        -- what the e-invoicing form said (R17)
    letter_date      DATE NOT NULL,
    status           VARCHAR NOT NULL,        -- decided | rendered | batched | dispatched | failed
    path             VARCHAR,
    sha256           VARCHAR,
    pages            INTEGER,
    bytes            BIGINT,
    print_batch_id   VARCHAR,
    decided_at       TIMESTAMPTZ NOT NULL,
    rendered_at      TIMESTAMPTZ,
    dispatched_at    TIMESTAMPTZ,
    run_id           VARCHAR
);
