-- R11: notifications on/off per recipient and customer code.
INSERT OR REPLACE INTO notification_settings (user_id, customer_code, enabled, changed_at)
VALUES ($user_id, $customer_code, $enabled, $at)
