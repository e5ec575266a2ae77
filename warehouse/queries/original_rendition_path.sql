SELECT path FROM renditions
WHERE issuer = $issuer AND document_number = $document_number AND variant = 'original'
