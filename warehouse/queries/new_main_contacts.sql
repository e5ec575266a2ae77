-- R5: main-contact e-mails of master data without an account yet. Contact details come
-- from the most recently updated customer code; R3 needs every enterprise number and
-- country of the contact's codes to choose the login.
SELECT
    c.contact_email,
    arg_max(c.contact_first_name, (c.updated_at, c.customer_code)) AS first_name,
    arg_max(c.contact_last_name, (c.updated_at, c.customer_code)) AS last_name,
    arg_max(c.contact_language, (c.updated_at, c.customer_code)) AS language,
    list(DISTINCT c.enterprise_number) FILTER (WHERE c.enterprise_number IS NOT NULL)
        AS enterprise_numbers,
    list(DISTINCT c.country) AS countries
FROM customers AS c
LEFT JOIN contact_accounts AS ca USING (contact_email)
WHERE c.contact_email IS NOT NULL AND ca.account_id IS NULL
GROUP BY c.contact_email
ORDER BY c.contact_email
