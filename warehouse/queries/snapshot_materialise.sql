-- Analysts query the snapshot (DESIGN rule 8). There, an analyst view that joins every
-- delivery with its document (~3 s over 10^7 deliveries on two cores) becomes a table
-- of the same name and columns, computed once per refresh; it answers in milliseconds
-- (issues 6 and 20: < 0.5 s; bench/analyst.py). {view} and {order} come from
-- warehouse.store.MATERIALISED_VIEWS, never from input.
CREATE TABLE {view}_materialised AS
SELECT * FROM {view} ORDER BY {order};
DROP VIEW {view};
ALTER TABLE {view}_materialised RENAME TO {view};
