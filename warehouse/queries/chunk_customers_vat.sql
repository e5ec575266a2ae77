-- The customers of a chunk's documents with what EN 16931 buyer rules need (BT-48).
SELECT c.customer_code, c.vat_id
FROM customers AS c
JOIN chunk_codes AS k USING (customer_code)
