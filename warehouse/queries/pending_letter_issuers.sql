-- Issuers with rendered activation letters waiting for a print batch.
SELECT DISTINCT issuer FROM activation_letters WHERE status = 'rendered' ORDER BY issuer
