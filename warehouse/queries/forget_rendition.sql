-- A damaged archive copy is forgotten so that it is rendered again.
DELETE FROM renditions
WHERE issuer = $issuer AND document_number = $document_number AND variant = 'original'
