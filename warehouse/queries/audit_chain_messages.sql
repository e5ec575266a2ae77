-- R30: what each audit row's hash covers, built set-wise (in parallel, no sort):
-- prev_hash || canonical, with canonical the JSON array of warehouse/audit.py:chain_hash.
-- Only the payload is escaped here (JSON text always holds quotes); a row whose other
-- text needs escaping comes out different and is hashed again by chain_hash itself,
-- so this query only has to be right for the common case, never for the verdict.
SELECT
    seq,
    prev_hash,
    hash,
    concat(
        prev_hash, '[', seq, ',', epoch_us("at"), ',"', actor, '","', event_type, '","',
        entity, '","', replace(replace(payload::VARCHAR, '\', '\\'), '"', '\"'), '"]'
    ) AS message
FROM audit_events
