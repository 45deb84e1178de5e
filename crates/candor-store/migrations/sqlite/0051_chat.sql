-- Live chat. Each workspace's widget settings: the secret sites sign their
-- users' ids with (sealed with the server's secret key, like mailbox
-- passwords) and the page origins allowed to open the chat (a JSON array;
-- empty allows every page). And one row per chat thread (a visitor's
-- browser, "v:ID", or a site's signed-in user, "u:ID"): the conversation it
-- is in, the customer, and until when a widget is connected, so that any
-- node can tell whether the visitor is there to read a reply.
CREATE TABLE chat_settings (
    workspace_id BLOB PRIMARY KEY REFERENCES workspaces (id),
    secret TEXT NOT NULL,
    allowed_origins TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE chat_sessions (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    thread_ref TEXT NOT NULL,
    customer_id BLOB,
    conversation_id BLOB,
    online_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, thread_ref)
);
