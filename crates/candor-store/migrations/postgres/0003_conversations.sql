-- Conversations: teams of agents and what they speak, routing rules,
-- conversations with their messages and attachments. The inbox reads
-- conversations by (workspace, status, team or assignee, last activity),
-- newest first, with keyset paging; a conversation page reads its messages by
-- (workspace, conversation, id).

CREATE TABLE teams (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    assign_mode TEXT NOT NULL,
    rr_cursor UUID,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (workspace_id, name_key);

CREATE TABLE team_members (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    team_id UUID NOT NULL REFERENCES teams (id),
    user_id UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (workspace_id, team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (workspace_id, user_id);

CREATE TABLE agents (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    user_id UUID NOT NULL REFERENCES users (id),
    languages TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE routing_rules (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    position BIGINT NOT NULL,
    channel TEXT,
    language TEXT,
    tag TEXT,
    tier TEXT,
    organization_id UUID,
    team_id UUID NOT NULL REFERENCES teams (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX routing_rules_position ON routing_rules (workspace_id, position);

CREATE TABLE conversations (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    customer_id UUID NOT NULL REFERENCES customers (id),
    channel TEXT NOT NULL,
    thread_ref TEXT,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    assignee_id UUID,
    team_id UUID,
    tags TEXT NOT NULL,
    language TEXT,
    previous_conversation_id UUID,
    preview TEXT NOT NULL,
    last_sentiment DOUBLE PRECISION,
    message_count BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL
);
CREATE INDEX conversations_status ON conversations (workspace_id, status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_assignee ON conversations (workspace_id, assignee_id, status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_team ON conversations (workspace_id, team_id, status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_recent ON conversations (workspace_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_customer ON conversations (workspace_id, customer_id, id);
CREATE INDEX conversations_thread ON conversations (workspace_id, channel, thread_ref, id);

CREATE TABLE conversation_tags (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (workspace_id, conversation_id, tag)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (workspace_id, tag, conversation_id);

CREATE TABLE messages (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    html TEXT,
    author_type TEXT NOT NULL,
    author_id UUID,
    author_name TEXT NOT NULL,
    language TEXT,
    sentiment DOUBLE PRECISION,
    delivery TEXT,
    channel TEXT NOT NULL,
    external_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_conversation ON messages (workspace_id, conversation_id, id);
CREATE UNIQUE INDEX messages_external ON messages (workspace_id, channel, external_id);

CREATE TABLE attachments (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    message_id UUID,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by UUID,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_conversation ON attachments (workspace_id, conversation_id, id);
