-- Cached lookup answers (issue 18) of the participants in peppol_lookup_batch, fresh or
-- not: the caller uses a fresh one, and an expired one only when the SML/SMP is down.
SELECT p.participant_id, p.document_type, p.registered, p.source, p.detail,
    p.looked_up_at, p.expires_at
FROM peppol_participants AS p
JOIN peppol_lookup_batch AS b USING (participant_id)
