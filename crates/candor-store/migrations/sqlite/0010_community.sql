-- The public community: settings and the people who answer, topics with their
-- tags, replies, status changes, "me too"s and followers; customers' sign-in
-- links and sessions; posting limits; the outbox of emails; and full-text
-- search (an FTS5 table here, tsvector columns on PostgreSQL).

CREATE TABLE community_settings (
    workspace_id BLOB PRIMARY KEY REFERENCES workspaces (id),
    moderate_first_posts BOOLEAN NOT NULL,
    about TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE community_people (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    user_id BLOB NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    bio TEXT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE community_topics (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    slug TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    mood TEXT,
    customer_id BLOB NOT NULL REFERENCES customers (id),
    author_name TEXT NOT NULL,
    status TEXT NOT NULL,
    status_note TEXT,
    status_at BIGINT,
    visibility TEXT NOT NULL,
    locked BOOLEAN NOT NULL,
    merged_into BLOB,
    private_note TEXT,
    conversation_id BLOB,
    accepted_reply_id BLOB,
    tags TEXT NOT NULL,
    me_too BIGINT NOT NULL,
    followers BIGINT NOT NULL,
    replies BIGINT NOT NULL,
    first_official_at BIGINT,
    last_activity_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX community_topics_slug ON community_topics (workspace_id, slug);
CREATE INDEX community_topics_activity ON community_topics (workspace_id, visibility, last_activity_at, id);
CREATE INDEX community_topics_kind ON community_topics (workspace_id, visibility, kind, last_activity_at, id);
CREATE INDEX community_topics_created ON community_topics (workspace_id, created_at);
CREATE INDEX community_topics_customer ON community_topics (workspace_id, customer_id);

CREATE TABLE community_topic_tags (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    topic_id BLOB NOT NULL REFERENCES community_topics (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (workspace_id, topic_id, tag)
);
CREATE INDEX community_topic_tags_tag ON community_topic_tags (workspace_id, tag, topic_id);

CREATE TABLE community_replies (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    topic_id BLOB NOT NULL REFERENCES community_topics (id),
    customer_id BLOB REFERENCES customers (id),
    user_id BLOB REFERENCES users (id),
    author_name TEXT NOT NULL,
    author_role TEXT,
    official BOOLEAN NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    visibility TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX community_replies_topic ON community_replies (workspace_id, topic_id, id);
CREATE INDEX community_replies_customer ON community_replies (workspace_id, customer_id);
CREATE INDEX community_replies_pending ON community_replies (workspace_id, visibility, id);

CREATE TABLE community_status_changes (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    topic_id BLOB NOT NULL REFERENCES community_topics (id),
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    note_html TEXT NOT NULL,
    user_id BLOB REFERENCES users (id),
    author_name TEXT NOT NULL,
    author_role TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX community_status_changes_topic ON community_status_changes (workspace_id, topic_id, id);

CREATE TABLE community_me_too (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    topic_id BLOB NOT NULL REFERENCES community_topics (id),
    customer_id BLOB NOT NULL REFERENCES customers (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, topic_id, customer_id)
);

CREATE TABLE community_followers (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    topic_id BLOB NOT NULL REFERENCES community_topics (id),
    customer_id BLOB NOT NULL REFERENCES customers (id),
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, topic_id, customer_id)
);

CREATE TABLE community_links (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    next_path TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX community_links_expiry ON community_links (expires_at);

CREATE TABLE community_sessions (
    id_hash TEXT PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    customer_id BLOB NOT NULL REFERENCES customers (id),
    email TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX community_sessions_expiry ON community_sessions (expires_at);

CREATE TABLE community_limits (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

CREATE TABLE outbox (
    id BLOB PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    job_id BLOB,
    purpose TEXT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX outbox_workspace ON outbox (workspace_id, id);

-- One row per post: the topic itself (reply_id NULL) or one of its replies.
CREATE VIRTUAL TABLE community_fts USING fts5(
    title, body, workspace_id UNINDEXED, topic_id UNINDEXED, reply_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
