-- Next best actions and win-back campaigns: each workspace's tunable
-- next-action rules, campaigns (a segment, a message template, a sender and
-- a throttle) and what a campaign did about each customer of its segment.
-- Also an index that answers the repeat-purchase check from the index alone.

-- The rules are candor_core::next_action::Rules as JSON, one row per workspace
-- (none: the defaults).
CREATE TABLE next_action_rules (
    workspace_id BLOB PRIMARY KEY REFERENCES workspaces (id),
    rules TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BLOB
);

-- `segment` is the query in canonical form; `segment_cursor` the last customer taken
-- from it (customers are taken newest first, by id); `next_tick_at` the time
-- of the one pending `campaign.tick` job, which a tick claims by clearing it.
CREATE TABLE campaigns (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    segment TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    sender_id BLOB NOT NULL REFERENCES users (id),
    per_hour BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    segment_cursor BLOB,
    segment_done BOOLEAN NOT NULL,
    next_tick_at BIGINT,
    created_by BLOB,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX campaigns_workspace ON campaigns (workspace_id, id);

-- One row per customer a campaign decided about: sent (with the conversation
-- and message), skipped for good (with the reason), or held until their quiet
-- hours end (`retry_at`).
CREATE TABLE campaign_recipients (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    campaign_id BLOB NOT NULL REFERENCES campaigns (id),
    customer_id BLOB NOT NULL REFERENCES customers (id),
    state TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    reason TEXT NOT NULL,
    address TEXT,
    conversation_id BLOB,
    message_id BLOB,
    retry_at BIGINT,
    decided_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, campaign_id, customer_id)
);
CREATE INDEX campaign_recipients_state ON campaign_recipients (workspace_id, campaign_id, state, decided_at);
CREATE INDEX campaign_recipients_retry ON campaign_recipients (workspace_id, campaign_id, state, retry_at);

CREATE INDEX purchases_product ON purchases (workspace_id, customer_id, product, status, at);
