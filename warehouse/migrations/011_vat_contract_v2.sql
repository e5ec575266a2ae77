-- Landing contract v2 (issue 17, DESIGN rule 12; docs/landing.md): the customer's VAT
-- identifier and the document's service period travel from the landing file; per-line
-- VAT category and exemption reason stay inside documents.lines (JSON).

-- BT-48, validated with python-stdnum; NULL = the customer has none.
ALTER TABLE customers ADD COLUMN vat_id VARCHAR;
-- true when a v1 customers file had no vat_id column and BE + enterprise number was
-- assumed (what the Peppol builder did before v2).
ALTER TABLE customers ADD COLUMN vat_id_inferred BOOLEAN DEFAULT false;

-- BG-14 invoicing period, when the billing system gives one.
ALTER TABLE documents ADD COLUMN period_start DATE;
ALTER TABLE documents ADD COLUMN period_end DATE;
-- true when at least one line had no vat_category and it was inferred from the rate
-- (v1 lines); the run report counts these documents.
ALTER TABLE documents ADD COLUMN vat_category_inferred BOOLEAN DEFAULT false;
