-- A consent change or a refused redemption with its reason (consent_history).
INSERT INTO consent_events (customer_code, "at", event, channel, reason, actor)
VALUES ($customer_code, $at, $event, $channel, $reason, $actor)
