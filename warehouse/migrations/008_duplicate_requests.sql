-- R23: a customer asks for a duplicate of a document they can see. The duplicate is one
-- delivery per document (idempotency key issuer/document_number/portal/duplicate,
-- DESIGN rule 4) and one PDF (variant 'duplicate'); every request is a row here, with
-- ids only (the requester's e-mail stays in users, R4).
CREATE TABLE duplicate_requests (
    request_id       VARCHAR PRIMARY KEY,
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    customer_code    VARCHAR NOT NULL,
    user_id          VARCHAR NOT NULL,      -- the requester, through whose access they see it
    requested_at     TIMESTAMPTZ NOT NULL,
    actor            VARCHAR NOT NULL,
    announced        BOOLEAN NOT NULL       -- a digest line was queued for the requester
);

-- A digest line now says what it announces: the document's publication ('original') or
-- a duplicate its reader asked for ('duplicate'). One person may hear of both, so the
-- purpose joins the key. DuckDB cannot change a primary key in place: rebuild.
CREATE TABLE digest_documents_by_purpose (
    user_id          VARCHAR NOT NULL,
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    customer_code    VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,      -- pending | listed | dropped
    reason           VARCHAR,
    digest_id        VARCHAR,
    resolved_at      TIMESTAMPTZ NOT NULL,
    run_id           VARCHAR NOT NULL,
    purpose          VARCHAR NOT NULL DEFAULT 'original',  -- original | duplicate
    PRIMARY KEY (user_id, issuer, document_number, purpose)
);
INSERT INTO digest_documents_by_purpose
    (user_id, issuer, document_number, customer_code, status, reason, digest_id,
     resolved_at, run_id, purpose)
SELECT user_id, issuer, document_number, customer_code, status, reason, digest_id,
    resolved_at, run_id, 'original'
FROM digest_documents;
DROP TABLE digest_documents;
ALTER TABLE digest_documents_by_purpose RENAME TO digest_documents;
