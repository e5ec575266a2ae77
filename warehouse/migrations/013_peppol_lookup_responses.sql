-- Peppol as the network runs it (issue 18): participant lookup before routing, what
-- happens after the post (transmission, Message Level Response, Invoice Response), and
-- the operator's re-sends. docs/peppol.md.

-- Cache of participant lookups (SML DNS + SMP REST): one answer per participant and
-- document type, valid until expires_at (setting peppol_lookup_ttl_hours). Times are
-- the as_of of the run that looked it up (DESIGN rule 6). An SML/SMP that does not
-- answer is never cached: the last answer stays, even expired, until a fresh one comes.
CREATE TABLE peppol_participants (
    participant_id  VARCHAR NOT NULL,      -- 0208:<enterprise number>
    document_type   VARCHAR NOT NULL,      -- invoice | credit_note
    registered      BOOLEAN NOT NULL,
    source          VARCHAR NOT NULL,      -- sml (DNS + SMP) | registry (local file)
    smp_url         VARCHAR,
    detail          VARCHAR NOT NULL,      -- the answer in words, quoted in route reasons
    looked_up_at    TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (participant_id, document_type)
);

-- Documents whose routing waits for a lookup that could not be answered (SML or SMP
-- down, nothing cached): routed by a later run, or by the previous rules once
-- peppol_lookup_max_wait_days have passed since the first wait.
CREATE TABLE peppol_routing_waits (
    issuer            VARCHAR NOT NULL,
    document_number   VARCHAR NOT NULL,
    participant_id    VARCHAR NOT NULL,
    first_waited_at   TIMESTAMPTZ NOT NULL,  -- as_of of the first run that waited
    last_run_id       VARCHAR NOT NULL,
    detail            VARCHAR NOT NULL,
    PRIMARY KEY (issuer, document_number)
);

-- After the post. send_attempt counts the operator's re-sends (1: the first send); the
-- key the access point sees is the delivery's idempotency key for attempt 1, and that
-- key + '/attempt-N' after (a re-send is a new attempt of the same delivery: the access
-- point must not deduplicate it away, and a crash inside one attempt still resends it
-- under the same key).
ALTER TABLE peppol_messages ADD COLUMN send_attempt INTEGER DEFAULT 1;
ALTER TABLE peppol_messages ADD COLUMN transmission VARCHAR;      -- sent | delivered | failed
ALTER TABLE peppol_messages ADD COLUMN transmission_at TIMESTAMPTZ;
ALTER TABLE peppol_messages ADD COLUMN mlr_code VARCHAR;          -- AB | AP | RE
ALTER TABLE peppol_messages ADD COLUMN invoice_response_code VARCHAR;  -- UNCL4343 subset
ALTER TABLE peppol_messages ADD COLUMN responded_at TIMESTAMPTZ;

-- Every response received, as it came: transmission reports of the access point (JSON),
-- Message Level Responses and Invoice Responses (UBL ApplicationResponse). A response
-- that names no known delivery is kept with matched = false (never dropped).
CREATE TABLE peppol_responses (
    response_sha256   VARCHAR PRIMARY KEY,   -- of the file or body: a re-delivery is a no-op
    kind              VARCHAR NOT NULL,      -- transmission | mlr | invoice_response
    code              VARCHAR NOT NULL,      -- sent|delivered|failed, AB|AP|RE, AB|IP|UQ|CA|RE|AP|PD
    meaning           VARCHAR NOT NULL,
    reference         VARCHAR NOT NULL,      -- message id or document number it answers
    issuer            VARCHAR,
    document_number   VARCHAR,
    purpose           VARCHAR,
    send_attempt      INTEGER,
    matched           BOOLEAN NOT NULL,
    response_id       VARCHAR,               -- cbc:ID of the ApplicationResponse
    issued_at         VARCHAR,               -- cbc:IssueDate (+ IssueTime) as written
    reasons           JSON,                  -- [{code, text}] status reasons / line errors
    source            VARCHAR NOT NULL,      -- inbox file name | http
    received_at       TIMESTAMPTZ NOT NULL
);
