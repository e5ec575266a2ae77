-- Every table keyed by a document (issuer + document_number): a purge removes the
-- document's rows from each, whoever added the table. audit_log is not one of them.
SELECT c.table_name
FROM duckdb_columns() AS c
JOIN duckdb_tables() AS t USING (database_name, schema_name, table_name)
WHERE c.column_name IN ('issuer', 'document_number') AND c.database_name = current_database()
GROUP BY c.table_name
HAVING count(*) = 2
ORDER BY c.table_name = 'documents', c.table_name
