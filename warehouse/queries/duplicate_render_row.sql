-- R23: what a duplicate is drawn from (the document as issued, the customer's
-- language and address), with the duplicate already on file, if any.
SELECT d.*, r.path AS duplicate_path, r.sha256 AS duplicate_sha256
FROM render_input AS d
LEFT JOIN renditions AS r
  ON r.issuer = d.issuer AND r.document_number = d.document_number
 AND r.variant = 'duplicate'
WHERE d.issuer = $issuer AND d.document_number = $document_number
