-- The email channel: mailboxes (IMAP in, SMTP out, passwords sealed with the
-- server's secret key, and the fetch position by UIDVALIDITY and UID so a
-- restart neither misses nor repeats a message); the email headers of every
-- message sent or received, which threading looks Message-IDs up in; the
-- short conversation tokens put in outgoing subjects; and bounce marks on
-- customers' addresses.

CREATE TABLE mailboxes (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    imap_host TEXT NOT NULL,
    imap_port BIGINT NOT NULL,
    imap_tls TEXT NOT NULL,
    imap_user TEXT NOT NULL,
    imap_password TEXT NOT NULL,
    folder TEXT NOT NULL,
    after_import TEXT NOT NULL,
    move_to TEXT NOT NULL,
    smtp_host TEXT NOT NULL,
    smtp_port BIGINT NOT NULL,
    smtp_tls TEXT NOT NULL,
    smtp_user TEXT NOT NULL,
    smtp_password TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    uid_validity BIGINT,
    last_uid BIGINT NOT NULL,
    state TEXT NOT NULL,
    last_error TEXT NOT NULL,
    last_checked_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX mailboxes_workspace ON mailboxes (workspace_id, id);
CREATE INDEX mailboxes_enabled ON mailboxes (enabled, id);

CREATE TABLE email_headers (
    message_id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    mailbox_id UUID,
    direction TEXT NOT NULL,
    rfc_message_id TEXT NOT NULL,
    customer_address TEXT NOT NULL,
    in_reply_to TEXT NOT NULL,
    references_list TEXT NOT NULL,
    automated TEXT NOT NULL,
    delivery_detail TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX email_headers_rfc ON email_headers (workspace_id, rfc_message_id);
CREATE INDEX email_headers_conversation ON email_headers (workspace_id, conversation_id, message_id);

CREATE TABLE email_tokens (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    token TEXT NOT NULL,
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, token)
);
CREATE UNIQUE INDEX email_tokens_conversation ON email_tokens (workspace_id, conversation_id);

ALTER TABLE customer_identities ADD COLUMN bounced_at BIGINT;
ALTER TABLE customer_identities ADD COLUMN bounce_reason TEXT;
