-- The tamper-evident log as analysts see it (DESIGN: analyst views).
CREATE OR REPLACE VIEW audit_log AS
SELECT seq, "at", actor, event_type, entity, payload, prev_hash, hash
FROM audit_events;
