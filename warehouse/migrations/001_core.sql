-- Core schema of the nightly pipeline. Amounts are DECIMAL, never DOUBLE.

CREATE TABLE meta (
    key         VARCHAR PRIMARY KEY,
    value       VARCHAR NOT NULL,
    set_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE runs (
    run_id      VARCHAR PRIMARY KEY,
    flow        VARCHAR NOT NULL,
    as_of       TIMESTAMPTZ NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      VARCHAR NOT NULL,          -- running | completed | failed
    summary     JSON
);

-- A landing file is processed once, keyed by its sha256 (DESIGN: landing files).
CREATE TABLE landing_files (
    sha256            VARCHAR PRIMARY KEY,
    file_name         VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL,    -- customers | documents
    rows_total        INTEGER NOT NULL,
    rows_ingested     INTEGER NOT NULL,
    rows_unchanged    INTEGER NOT NULL,
    rows_quarantined  INTEGER NOT NULL,
    processed_at      TIMESTAMPTZ NOT NULL,
    run_id            VARCHAR NOT NULL
);

CREATE TABLE quarantine (
    file_sha256  VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    line         INTEGER NOT NULL,
    reason       VARCHAR NOT NULL,         -- machine code, e.g. totals_mismatch
    detail       VARCHAR NOT NULL,         -- sentence an operator understands
    raw          VARCHAR,                  -- the offending row, truncated
    run_id       VARCHAR NOT NULL,
    quarantined_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (file_sha256, line, reason)
);

-- One row per customer code (R2), upserted from customers*.csv.
CREATE TABLE customers (
    customer_code       VARCHAR PRIMARY KEY,
    issuer              VARCHAR NOT NULL,
    customer_number     VARCHAR NOT NULL,
    name                VARCHAR NOT NULL,
    enterprise_number   VARCHAR,
    street              VARCHAR NOT NULL,
    postal_code         VARCHAR NOT NULL,
    city                VARCHAR NOT NULL,
    country             VARCHAR NOT NULL,
    language            VARCHAR NOT NULL,
    contract_start      DATE,
    contact_email       VARCHAR,
    contact_first_name  VARCHAR,
    contact_last_name   VARCHAR,
    contact_language    VARCHAR,
    channel_choice      VARCHAR NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    source_sha256       VARCHAR NOT NULL
);

-- Issued documents are immutable (corrections are credit notes): insert-only.
CREATE TABLE documents (
    issuer                    VARCHAR NOT NULL,
    document_number           VARCHAR NOT NULL,
    customer_code             VARCHAR NOT NULL,
    document_type             VARCHAR NOT NULL,   -- invoice | credit_note
    issue_date                DATE NOT NULL,
    due_date                  DATE,
    customer_number           VARCHAR NOT NULL,
    contract_number           VARCHAR,
    currency                  VARCHAR NOT NULL,
    lines                     JSON NOT NULL,
    total_excl_vat            DECIMAL(18, 2) NOT NULL,
    total_vat                 DECIMAL(18, 2) NOT NULL,
    total_incl_vat            DECIMAL(18, 2) NOT NULL,
    payment_reference         VARCHAR,
    credited_document_number  VARCHAR,
    content_sha256            VARCHAR NOT NULL,  -- identical re-delivery vs conflict
    is_history                BOOLEAN NOT NULL,  -- issued before go-live: never printed
    source_file               VARCHAR NOT NULL,
    source_line               INTEGER NOT NULL,
    ingested_at               TIMESTAMPTZ NOT NULL,
    run_id                    VARCHAR NOT NULL,
    PRIMARY KEY (issuer, document_number)
);

-- A rendered artefact; variant 'original' or 'duplicate'. sha256 lets an audit
-- re-render and compare (DESIGN rule 5).
CREATE TABLE renditions (
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    variant          VARCHAR NOT NULL,
    path             VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    pages            INTEGER NOT NULL,
    bytes            BIGINT NOT NULL,
    rendered_at      TIMESTAMPTZ NOT NULL,
    run_id           VARCHAR NOT NULL,
    PRIMARY KEY (issuer, document_number, variant)
);

-- One row per delivery; the primary key is the idempotency key (DESIGN rule 4).
CREATE TABLE deliveries (
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    channel          VARCHAR NOT NULL,   -- paper | portal | network | peppol
    purpose          VARCHAR NOT NULL,   -- original | backfill | duplicate
    customer_code    VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,   -- decided | batched | dispatched | published | failed
    reason           VARCHAR NOT NULL,
    is_copy          BOOLEAN NOT NULL DEFAULT false,
    decided_at       TIMESTAMPTZ NOT NULL,
    dispatched_at    TIMESTAMPTZ,
    print_batch_id   VARCHAR,
    run_id           VARCHAR NOT NULL,
    PRIMARY KEY (issuer, document_number, channel, purpose)
);

CREATE TABLE print_batches (
    batch_id       VARCHAR PRIMARY KEY,
    issuer         VARCHAR NOT NULL,
    run_id         VARCHAR NOT NULL,
    status         VARCHAR NOT NULL,     -- building | ready
    created_at     TIMESTAMPTZ NOT NULL,
    ready_at       TIMESTAMPTZ,
    pdf_path       VARCHAR,
    manifest_path  VARCHAR,
    pieces         INTEGER,
    pages          INTEGER,
    sheets         INTEGER,
    sha256         VARCHAR,              -- of the first (or only) PDF file
    files          JSON                  -- every part: path, pieces, pages, sheets, sha256
);

-- Append-only, hash-chained (R30). Each hash covers prev_hash and the row's
-- canonical content; warehouse/audit.py computes and verifies it.
CREATE TABLE audit_events (
    seq         BIGINT PRIMARY KEY,
    "at"        TIMESTAMPTZ NOT NULL,
    actor       VARCHAR NOT NULL,
    event_type  VARCHAR NOT NULL,
    entity      VARCHAR NOT NULL,
    payload     JSON NOT NULL,
    prev_hash   VARCHAR NOT NULL,
    hash        VARCHAR NOT NULL
);

-- DuckDB 2 triggers refuse UPDATE/DELETE: a guard-rail, not a proof (a writer can
-- drop them); the hash chain is the proof.
CREATE TABLE audit_guard (x INTEGER);
CREATE TRIGGER audit_events_no_update AFTER UPDATE ON audit_events FOR EACH STATEMENT
    INSERT INTO audit_guard SELECT error('audit_log is append-only: UPDATE refused');
CREATE TRIGGER audit_events_no_delete AFTER DELETE ON audit_events FOR EACH STATEMENT
    INSERT INTO audit_guard SELECT error('audit_log is append-only: DELETE refused');

-- Consent changes after master data's channel_choice (R15-R20); folded in order.
CREATE TABLE consent_events (
    customer_code  VARCHAR NOT NULL,
    "at"           TIMESTAMPTZ NOT NULL,
    event          VARCHAR NOT NULL,   -- network_activated | portal_activated | opted_out | refused
    channel        VARCHAR NOT NULL,
    reason         VARCHAR NOT NULL,
    actor          VARCHAR NOT NULL,
    run_id         VARCHAR
);
