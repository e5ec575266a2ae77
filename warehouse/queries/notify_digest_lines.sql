-- The pending lines of the recipients in compose_recipients, with what each digest
-- line shows (R24) and whether the main contact's account still waits for activation
-- (R6). The main contact's row comes first: its name and language address the e-mail.
SELECT
    lower(trim(u.email)) AS recipient,
    trim(u.email) AS address,
    u.user_id,
    u.role,
    u.language,
    u.first_name,
    u.last_name,
    a.status AS account_status,
    dd.customer_code,
    doc.issuer,
    doc.document_number,
    doc.document_type,
    doc.issue_date,
    doc.total_incl_vat,
    doc.currency,
    dd.purpose  -- original | duplicate (R23: a duplicate its reader asked for)
FROM digest_documents AS dd
JOIN users AS u USING (user_id)
JOIN accounts AS a ON a.account_id = u.account_id
JOIN documents AS doc ON doc.issuer = dd.issuer AND doc.document_number = dd.document_number
JOIN compose_recipients AS c ON c.recipient = lower(trim(u.email))
WHERE dd.status = 'pending' AND u.frequency = $frequency
ORDER BY recipient, u.role <> 'main', u.user_id, dd.customer_code, doc.issue_date,
    doc.issuer, doc.document_number
