-- Current master data of the customer codes of a chunk, to upsert only what changed.
SELECT c.*
FROM customers AS c
JOIN chunk_codes AS k USING (customer_code)
