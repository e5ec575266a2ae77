-- Fresh lookup answers of peppol_lookup_batch replace the cached ones (issue 18).
INSERT INTO peppol_participants
SELECT participant_id, document_type, registered, source, smp_url, detail,
    looked_up_at, expires_at
FROM peppol_lookup_batch
ON CONFLICT (participant_id, document_type) DO UPDATE SET
    registered = excluded.registered,
    source = excluded.source,
    smp_url = excluded.smp_url,
    detail = excluded.detail,
    looked_up_at = excluded.looked_up_at,
    expires_at = excluded.expires_at
