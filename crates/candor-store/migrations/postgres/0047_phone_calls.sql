-- Phone calls logged on conversations: one row per call, beside the message
-- that tells it in the conversation (the message carries the idempotency key
-- through the ingest path). An unanswered inbound call owes a call-back: its
-- due time is kept here, and the promise once someone owes it (when the
-- conversation had no assignee, the promise is made at assignment).
CREATE TABLE phone_calls (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    customer_id UUID NOT NULL,
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    message_id UUID NOT NULL REFERENCES messages (id),
    direction TEXT NOT NULL,
    status TEXT NOT NULL,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    duration_secs BIGINT NOT NULL,
    recording_url TEXT,
    transcript TEXT,
    agent_id UUID REFERENCES users (id),
    external_id TEXT,
    callback_due_at BIGINT,
    callback_promise_id UUID,
    created_at BIGINT NOT NULL,
    created_by UUID
);
CREATE UNIQUE INDEX phone_calls_message ON phone_calls (workspace_id, message_id);
CREATE INDEX phone_calls_customer ON phone_calls (workspace_id, customer_id, started_at);
CREATE INDEX phone_calls_conversation ON phone_calls (workspace_id, conversation_id, id);
