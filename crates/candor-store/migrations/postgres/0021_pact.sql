-- The Pact at work: the clocks of each conversation against the commitments
-- in force when it started, the redress owed for each missed commitment, the
-- promise ledger, and notifications for staff.

-- One row per conversation. `state` is candor_core::pact::ConversationClocks
-- as JSON; the other columns are derived from it when it is written, so the
-- job queue, the "breaching soon" view and the public figures read indexes.
CREATE TABLE conversation_clocks (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    commitments_version BIGINT NOT NULL,
    channel TEXT NOT NULL,
    priority TEXT NOT NULL,
    state TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    next_check_at BIGINT,
    warn_at BIGINT,
    due_at BIGINT,
    first_reply_within BIGINT,
    first_reply_secs BIGINT,
    resolution_within BIGINT,
    resolution_secs BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, conversation_id)
);
CREATE INDEX conversation_clocks_started ON conversation_clocks (workspace_id, started_at);
CREATE INDEX conversation_clocks_warn ON conversation_clocks (workspace_id, warn_at);

-- One row per missed commitment: the breach and what is done about it.
CREATE TABLE redress (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    customer_id UUID NOT NULL,
    clock TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    breached_at BIGINT NOT NULL,
    actions TEXT NOT NULL,
    draft TEXT,
    state TEXT NOT NULL,
    done_at BIGINT,
    done_by UUID,
    done_how TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX redress_once ON redress (workspace_id, conversation_id, clock, due_at);
CREATE INDEX redress_state ON redress (workspace_id, state, id);
CREATE INDEX redress_breached ON redress (workspace_id, breached_at);

CREATE TABLE promises (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    customer_id UUID NOT NULL,
    owner_id UUID NOT NULL REFERENCES users (id),
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    source TEXT NOT NULL,
    replaces_id UUID,
    reason TEXT,
    reminded_at BIGINT,
    settled_at BIGINT,
    kept_how TEXT,
    created_at BIGINT NOT NULL,
    created_by UUID
);
CREATE INDEX promises_state ON promises (workspace_id, state, due_at, id);
CREATE INDEX promises_owner ON promises (workspace_id, owner_id, state, due_at, id);
CREATE INDEX promises_conversation ON promises (workspace_id, conversation_id, id);
CREATE INDEX promises_customer ON promises (workspace_id, customer_id, id);
CREATE INDEX promises_created ON promises (workspace_id, created_at);

CREATE TABLE notifications (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    user_id UUID NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    conversation_id UUID,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (workspace_id, user_id, id);
