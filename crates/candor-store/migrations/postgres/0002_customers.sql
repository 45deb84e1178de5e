-- Customers: organizations, customers with their identities, tags, custom
-- attributes, notes and purchases; saved segments; per-workspace value
-- settings; and a customer column on events for the 360° timeline.
-- Computed value figures live in columns of the customer row so reads are cheap.

CREATE TABLE organizations (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    domain TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX organizations_name ON organizations (workspace_id, name_key);

CREATE TABLE customers (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    search_text TEXT NOT NULL,
    organization_id UUID REFERENCES organizations (id),
    tags TEXT NOT NULL,
    attributes TEXT NOT NULL,
    preferences TEXT NOT NULL,
    consents TEXT NOT NULL,
    language TEXT,
    preferred_channel TEXT,
    consent_keys TEXT NOT NULL,
    dnc_keys TEXT NOT NULL,
    merged_into UUID,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    ltv_minor BIGINT NOT NULL,
    ltv_currency TEXT,
    orders BIGINT NOT NULL,
    last_purchase_at BIGINT,
    tier TEXT,
    stage TEXT NOT NULL,
    rfm_recency INTEGER,
    rfm_frequency INTEGER,
    rfm_monetary INTEGER
);
CREATE INDEX customers_workspace ON customers (workspace_id, merged_into, id);
CREATE INDEX customers_value ON customers (workspace_id, tier, stage);
CREATE INDEX customers_name ON customers (workspace_id, name_key);
CREATE INDEX customers_org ON customers (workspace_id, organization_id);

CREATE TABLE customer_identities (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    customer_id UUID NOT NULL REFERENCES customers (id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    verified BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX customer_identities_value ON customer_identities (workspace_id, kind, value);
CREATE INDEX customer_identities_customer ON customer_identities (workspace_id, customer_id);

CREATE TABLE customer_tags (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    customer_id UUID NOT NULL REFERENCES customers (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (workspace_id, customer_id, tag)
);
CREATE INDEX customer_tags_tag ON customer_tags (workspace_id, tag);

CREATE TABLE attribute_definitions (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    choices TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX attribute_definitions_name ON attribute_definitions (workspace_id, name);

CREATE TABLE customer_attributes (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    customer_id UUID NOT NULL REFERENCES customers (id),
    name TEXT NOT NULL,
    value_text TEXT NOT NULL,
    value_num DOUBLE PRECISION,
    PRIMARY KEY (workspace_id, customer_id, name)
);
CREATE INDEX customer_attributes_name ON customer_attributes (workspace_id, name, value_text);

CREATE TABLE customer_notes (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    customer_id UUID NOT NULL REFERENCES customers (id),
    author_id UUID REFERENCES users (id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX customer_notes_customer ON customer_notes (workspace_id, customer_id, id);

CREATE TABLE purchases (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    customer_id UUID NOT NULL REFERENCES customers (id),
    product TEXT NOT NULL,
    product_name TEXT,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    at BIGINT NOT NULL,
    external_id TEXT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX purchases_external ON purchases (workspace_id, external_id);
CREATE INDEX purchases_customer ON purchases (workspace_id, customer_id, at);

CREATE TABLE segments (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_by UUID REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX segments_name ON segments (workspace_id, name);

CREATE TABLE value_settings (
    workspace_id UUID PRIMARY KEY REFERENCES workspaces (id),
    currency TEXT NOT NULL,
    at_risk_after_days INTEGER NOT NULL,
    former_after_days INTEGER NOT NULL,
    tier_a_percent INTEGER NOT NULL,
    tier_b_percent INTEGER NOT NULL,
    computed_at BIGINT
);

ALTER TABLE events ADD COLUMN customer_id UUID;
CREATE INDEX events_customer ON events (workspace_id, customer_id, id);
