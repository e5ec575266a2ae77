-- Issue 16, DESIGN rule 11: a login is a person, access is a membership.
-- `people` holds one row per person: the address that identifies them and their one
-- credential. A `users` row is now a membership of that person in one account (role
-- main | shared | third_party, status invited = pending | active = accepted | deleted),
-- with its grants (R8, R9) and notification settings (R11) as before.

CREATE TABLE people (
    person_id      VARCHAR PRIMARY KEY,
    email          VARCHAR NOT NULL UNIQUE,   -- lower-case; one person per address
    password_hash  VARCHAR,                   -- scrypt; set once, by the address's owner
    created_at     TIMESTAMPTZ NOT NULL,
    credential_at  TIMESTAMPTZ                -- when the password was chosen
);

INSERT INTO people (person_id, email, password_hash, created_at, credential_at)
SELECT
    'P-' || substr(replace(uuid()::VARCHAR, '-', ''), 1, 16),
    address,
    -- one credential per person: the main contact's, else any active membership's
    arg_max(password_hash, (status = 'active', role = 'main', created_at))
        FILTER (WHERE password_hash IS NOT NULL),
    min(created_at),
    CASE WHEN count(password_hash) > 0 THEN min(created_at) END
FROM (SELECT *, lower(trim(email)) AS address FROM users)
GROUP BY address;

ALTER TABLE users ADD COLUMN person_id VARCHAR;
UPDATE users SET person_id = p.person_id FROM people AS p WHERE p.email = lower(trim(users.email));
ALTER TABLE users DROP COLUMN password_hash;  -- the credential lives on the person now

-- R28: read marks belong to the person, not to an address string.
CREATE TABLE person_document_reads (
    person_id        VARCHAR NOT NULL,
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    first_read_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, issuer, document_number)
);
INSERT INTO person_document_reads
SELECT p.person_id, r.issuer, r.document_number, min(r.first_read_at)
FROM document_reads AS r
JOIN people AS p ON p.email = lower(trim(r.reader_email))
GROUP BY ALL;
DROP TABLE document_reads;
ALTER TABLE person_document_reads RENAME TO document_reads;

-- The memberships that open documents and bring notifications: accepted ones, and the
-- main contact named by master data (R5) whose account still waits for activation (R6:
-- that contact is told of documents with an invitation link sent to that address). A
-- shared user or third party added by someone is pending until it accepts through the
-- link e-mailed to its address: pending grants nothing.
CREATE VIEW live_memberships AS
SELECT u.*, a.status AS account_status, a.segment, a.login_id
FROM users AS u
JOIN accounts AS a USING (account_id)
WHERE a.status <> 'merged'
  AND (u.status = 'active' OR (u.role = 'main' AND u.status = 'invited'));
