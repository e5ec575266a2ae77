-- One row per e-mail (DESIGN: analyst views). Columns may be added, never renamed.
-- role is main | shared as in the contract (third parties count as shared);
-- user_role keeps the distinction.
CREATE OR REPLACE VIEW notification_history AS
WITH digests_as_sent AS (
    SELECT
        recipient,
        CASE WHEN role = 'main' THEN 'main' ELSE 'shared' END AS role,
        frequency,
        documents,
        status,
        sent_at,
        last_error AS reason,
        digest_id,
        period,
        language,
        customer_codes,
        invitation,
        attempts,
        queued_at,
        message_id,
        role AS user_role,
        run_id
    FROM digests
)
SELECT * FROM digests_as_sent;
