-- The client certificate a trusted TLS front verified for each delivery (Meta's mTLS), as the
-- front attested it: subject and issuer (RFC 2253), serial (hex), SHA-256 of the DER bytes.
-- All four are NULL for a delivery that came without one. They are chained with the delivery
-- (appended to its chain_hash input when present, so older rows keep their hashes).
ALTER TABLE deliveries ADD COLUMN client_cert_subject TEXT;
ALTER TABLE deliveries ADD COLUMN client_cert_issuer TEXT;
ALTER TABLE deliveries ADD COLUMN client_cert_serial TEXT;
ALTER TABLE deliveries ADD COLUMN client_cert_sha256 TEXT;
