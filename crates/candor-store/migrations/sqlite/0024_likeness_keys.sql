-- Keys duplicate detection looks customers up by; NULL until computed (rows
-- written before this migration are filled in when Candor starts).
ALTER TABLE customer_identities ADD COLUMN match_key TEXT;
CREATE INDEX customer_identities_match ON customer_identities (workspace_id, kind, match_key);
ALTER TABLE customers ADD COLUMN name_first_block TEXT;
ALTER TABLE customers ADD COLUMN name_last_block TEXT;
CREATE INDEX customers_first_block ON customers (workspace_id, name_first_block);
CREATE INDEX customers_last_block ON customers (workspace_id, name_last_block);
