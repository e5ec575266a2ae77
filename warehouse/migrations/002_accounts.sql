-- Accounts, people, sharing and consent (R3, R5-R13, R16-R20).
-- Personal data lives here and in customers; the audit log carries ids, not names (R4).

-- One account per main-contact e-mail (R5), holding all its customer codes.
CREATE TABLE accounts (
    account_id     VARCHAR PRIMARY KEY,
    login_kind     VARCHAR NOT NULL,      -- enterprise_number | email | opaque (R3)
    login_id       VARCHAR NOT NULL UNIQUE,
    segment        VARCHAR NOT NULL,      -- B2B (known enterprise number) | B2C (R3)
    status         VARCHAR NOT NULL,      -- pending | active | merged
    created_at     TIMESTAMPTZ NOT NULL,
    activated_at   TIMESTAMPTZ,
    merged_into    VARCHAR                -- R13: set when merged into another account
);

-- A customer code belongs to exactly one account at a time.
CREATE TABLE account_customer_codes (
    customer_code  VARCHAR PRIMARY KEY,
    account_id     VARCHAR NOT NULL,
    added_at       TIMESTAMPTZ NOT NULL
);

-- People who can log in: the main contact (role main), shared users (R8) and third
-- parties (R12). The main contact sees every code of the account; others only grants.
CREATE TABLE users (
    user_id        VARCHAR PRIMARY KEY,
    account_id     VARCHAR NOT NULL,
    role           VARCHAR NOT NULL,      -- main | shared | third_party
    email          VARCHAR NOT NULL,
    first_name     VARCHAR,
    last_name      VARCHAR,
    language       VARCHAR NOT NULL,      -- nl | fr | de | en
    frequency      VARCHAR NOT NULL DEFAULT 'immediate',  -- immediate | daily | weekly (R11)
    password_hash  VARCHAR,               -- scrypt, never the password
    status         VARCHAR NOT NULL,      -- invited | active | deleted
    created_at     TIMESTAMPTZ NOT NULL,
    deleted_at     TIMESTAMPTZ
);

-- R8/R9: access per customer code for shared users and third parties; nothing implicit.
CREATE TABLE grants (
    user_id        VARCHAR NOT NULL,
    customer_code  VARCHAR NOT NULL,
    granted_at     TIMESTAMPTZ NOT NULL,
    granted_by     VARCHAR NOT NULL,
    PRIMARY KEY (user_id, customer_code)
);

-- R11: notifications on/off per recipient and customer code (default on: no row).
CREATE TABLE notification_settings (
    user_id        VARCHAR NOT NULL,
    customer_code  VARCHAR NOT NULL,
    enabled        BOOLEAN NOT NULL,
    changed_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, customer_code)
);

-- R6/R7: invitation tokens, stored hashed; a newer one supersedes the older ones.
CREATE TABLE invitations (
    token_hash     VARCHAR PRIMARY KEY,
    user_id        VARCHAR NOT NULL,
    issued_at      TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    superseded_at  TIMESTAMPTZ,
    used_at        TIMESTAMPTZ
);

-- R16-R18: activation codes per customer code, stored hashed, valid 15 weeks.
CREATE TABLE activation_codes (
    code_hash      VARCHAR PRIMARY KEY,
    customer_code  VARCHAR NOT NULL,
    serial         INTEGER NOT NULL,      -- 1, 2, ... per customer code; the last one counts (R20)
    issued_at      TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    redeemed_at    TIMESTAMPTZ,
    redeemed_by    VARCHAR,               -- account_id
    UNIQUE (customer_code, serial)
);

-- R19: a customer code's network delivery is active in one account at most.
CREATE TABLE network_mailboxes (
    customer_code  VARCHAR PRIMARY KEY,
    account_id     VARCHAR NOT NULL,
    activated_at   TIMESTAMPTZ NOT NULL
);

-- Wrong activation codes, for the lock-out (R16 hardening).
CREATE TABLE redemption_attempts (
    account_id     VARCHAR NOT NULL,
    "at"           TIMESTAMPTZ NOT NULL,
    ok             BOOLEAN NOT NULL,
    reason         VARCHAR NOT NULL
);
