-- Work only one node may do at a time, such as fetching one mailbox: who
-- holds it (a node's id) and until when (microseconds). A node renews its
-- lease while it works; one that stops or dies loses it when it expires.
CREATE TABLE leases (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    holder BLOB NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, name)
);
