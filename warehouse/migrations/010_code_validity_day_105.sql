-- R18: a code is valid "gedurende 15 weken na de bekendmaking", counted as Belgian law
-- counts a period (Gerechtelijk Wetboek art. 52-53: from the day after issue, the last
-- day included): issued on day D, valid through D + 105. Codes issued before this
-- migration expired at D + 105 00:00 (valid through D + 104): they gain the day, in
-- Brussels local time (the default `timezone`) so that a daylight-saving switch on the
-- way keeps the expiry at local midnight.
UPDATE activation_codes
SET expires_at = timezone('Europe/Brussels', timezone('Europe/Brussels', expires_at) + INTERVAL 1 DAY);
