-- Notifications: who hears about which document, in which e-mail, and what became of
-- it (R10, R11, R24, R25). E-mail addresses are personal data: they stay in these
-- tables and in users; the audit log carries digest ids (R4).

-- A published portal delivery whose recipients were resolved, once (DESIGN rule 4):
-- a later grant or a re-enabled setting never re-announces an old document.
CREATE TABLE notification_fanouts (
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    channel          VARCHAR NOT NULL,
    purpose          VARCHAR NOT NULL,
    customer_code    VARCHAR NOT NULL,
    recipients       INTEGER NOT NULL,      -- 0: nobody to tell (no account, all off)
    resolved_at      TIMESTAMPTZ NOT NULL,
    run_id           VARCHAR NOT NULL,
    PRIMARY KEY (issuer, document_number, channel, purpose)
);

-- One line per document and person to tell (R10): pending until a digest lists it.
-- One person (e-mail address) is told about a document once, whatever their roles.
CREATE TABLE digest_documents (
    user_id          VARCHAR NOT NULL,      -- whose access makes them a recipient
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    customer_code    VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,      -- pending | listed | dropped
    reason           VARCHAR,               -- why dropped: user_deleted | access_revoked | notifications_off
    digest_id        VARCHAR,               -- the digest that lists it
    resolved_at      TIMESTAMPTZ NOT NULL,
    run_id           VARCHAR NOT NULL,
    PRIMARY KEY (user_id, issuer, document_number)
);

-- One e-mail per recipient, frequency and period (R24). digest_id is derived from
-- that idempotency key, and so is the Message-ID. The row is committed as `queued`
-- before the SMTP conversation and marked right after it (exactly once; see README).
CREATE TABLE digests (
    digest_id        VARCHAR PRIMARY KEY,
    recipient        VARCHAR NOT NULL,      -- lower-case e-mail address
    frequency        VARCHAR NOT NULL,      -- immediate | daily | weekly (R11)
    period           VARCHAR NOT NULL,      -- run moment | YYYY-MM-DD | YYYY-Www
    address          VARCHAR NOT NULL,      -- as written in master data (SMTP envelope)
    user_id          VARCHAR NOT NULL,      -- whose name and language the e-mail uses
    role             VARCHAR NOT NULL,      -- main | shared | third_party
    language         VARCHAR NOT NULL,
    documents        INTEGER NOT NULL,
    customer_codes   VARCHAR[] NOT NULL,    -- the customer references it covers (R31)
    invitation       BOOLEAN NOT NULL,      -- carries an activation link (R6, R7)
    message_id       VARCHAR NOT NULL,
    message_sha256   VARCHAR,
    spooled          BOOLEAN NOT NULL,      -- its message waits in the spool (may hold an invitation)
    status           VARCHAR NOT NULL,      -- queued | sent | soft_bounce | hard_bounce | failed
    attempts         INTEGER NOT NULL,
    next_attempt_at  TIMESTAMPTZ,           -- NULL: as soon as a run sends
    last_error       VARCHAR,
    queued_at        TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ,
    outcome_audited  BOOLEAN NOT NULL,      -- false until the last outcome is in the audit log
    run_id           VARCHAR NOT NULL
);

-- R25: delivery problems per address, from bounce messages (RFC 3464) and from SMTP
-- refusals during the conversation. bounce_id makes re-ingesting a mailbox a no-op.
CREATE TABLE bounces (
    bounce_id        VARCHAR PRIMARY KEY,
    address          VARCHAR NOT NULL,      -- lower-case
    kind             VARCHAR NOT NULL,      -- hard | soft
    category         VARCHAR NOT NULL,      -- unknown_address | mailbox_full | blocked | other
    action           VARCHAR NOT NULL,      -- failed | delayed | refused (SMTP reply)
    status_code      VARCHAR,               -- enhanced status code, e.g. 5.1.1
    diagnostic       VARCHAR,
    digest_id        VARCHAR,               -- when the bounce names our Message-ID
    source           VARCHAR NOT NULL,      -- dsn | smtp
    recorded_at      TIMESTAMPTZ NOT NULL
);

-- R25: addresses with repeated hard bounces, shown to operators with the customer
-- references they serve (R31).
CREATE TABLE flagged_addresses (
    address          VARCHAR PRIMARY KEY,
    hard_bounces     INTEGER NOT NULL,
    flagged_at       TIMESTAMPTZ NOT NULL,
    last_bounce_at   TIMESTAMPTZ NOT NULL
);
