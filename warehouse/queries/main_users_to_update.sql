-- R5: main users whose name or language no longer matches master data.
WITH contacts AS (
    SELECT
        contact_email,
        arg_max(contact_first_name, (updated_at, customer_code)) AS first_name,
        arg_max(contact_last_name, (updated_at, customer_code)) AS last_name,
        arg_max(contact_language, (updated_at, customer_code)) AS language
    FROM customers
    WHERE contact_email IS NOT NULL
    GROUP BY contact_email
)
SELECT u.user_id, k.first_name, k.last_name, k.language
FROM contacts AS k
JOIN contact_accounts AS ca USING (contact_email)
JOIN users AS u
  ON u.account_id = ca.account_id AND u.role = 'main' AND u.email = k.contact_email
WHERE u.status <> 'deleted'
  AND (u.first_name, u.last_name, u.language)
      IS DISTINCT FROM (k.first_name, k.last_name, k.language)
