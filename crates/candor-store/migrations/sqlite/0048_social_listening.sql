-- Social listening: posts that mention the company, the workspace's
-- monitoring rules, and the alerts a rule raises on a mention.

-- One row per post. `dedupe_key` is the platform's id of the post, else its
-- URL: the same post handed in twice is stored once. `author` is the social
-- identity's normal form (platform:handle); `customer_id` the customer with
-- that identity when there is one.
CREATE TABLE social_mentions (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    platform TEXT NOT NULL,
    post_url TEXT NOT NULL,
    author TEXT NOT NULL,
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    posted_at BIGINT NOT NULL,
    in_reply_to TEXT,
    external_id TEXT,
    dedupe_key TEXT NOT NULL,
    customer_id BLOB,
    sentiment DOUBLE PRECISION NOT NULL,
    language TEXT,
    conversation_id BLOB REFERENCES conversations (id),
    handled_at BIGINT,
    handled_by BLOB,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX social_mentions_once ON social_mentions (workspace_id, platform, dedupe_key);
CREATE INDEX social_mentions_stream ON social_mentions (workspace_id, id);
CREATE INDEX social_mentions_platform ON social_mentions (workspace_id, platform, id);
CREATE INDEX social_mentions_posted ON social_mentions (workspace_id, posted_at);
CREATE INDEX social_mentions_customer ON social_mentions (workspace_id, customer_id, id);

-- A monitoring rule. `spec` is candor_core::social::RuleSpec as JSON. A
-- removed rule keeps its row (its alerts name it) with `removed_at` set.
CREATE TABLE social_rules (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BLOB,
    removed_at BIGINT
);
CREATE INDEX social_rules_live ON social_rules (workspace_id, removed_at, id);

-- A rule that fired on a mention: once per mention and rule.
CREATE TABLE social_alerts (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    mention_id BLOB NOT NULL REFERENCES social_mentions (id),
    rule_id BLOB NOT NULL REFERENCES social_rules (id),
    customer_id BLOB,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    handled_at BIGINT,
    handled_by BLOB,
    handled_how TEXT,
    conversation_id BLOB
);
CREATE UNIQUE INDEX social_alerts_once ON social_alerts (workspace_id, mention_id, rule_id);
CREATE INDEX social_alerts_state ON social_alerts (workspace_id, state, id);
CREATE INDEX social_alerts_rule ON social_alerts (workspace_id, rule_id, created_at);
