-- R28: which person opened which document (unread documents are shown in bold).
CREATE TABLE document_reads (
    reader_email     VARCHAR NOT NULL,
    issuer           VARCHAR NOT NULL,
    document_number  VARCHAR NOT NULL,
    first_read_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (reader_email, issuer, document_number)
);
