-- Which customer codes of a chunk exist in master data.
SELECT c.customer_code
FROM customers AS c
JOIN chunk_codes AS k USING (customer_code)
