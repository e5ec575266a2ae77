-- One row per consent event, refusals included with their reason (DESIGN: analyst views).
CREATE OR REPLACE VIEW consent_history AS
SELECT customer_code, event, channel, "at", reason, actor, run_id
FROM consent_events;
