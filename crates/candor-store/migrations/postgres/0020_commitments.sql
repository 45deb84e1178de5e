-- Public commitments, versioned: every change is a new row, and a
-- conversation is measured against the version in force when it started.
CREATE TABLE commitment_versions (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by UUID
);
CREATE UNIQUE INDEX commitment_versions_version ON commitment_versions (workspace_id, version);
CREATE INDEX commitment_versions_time ON commitment_versions (workspace_id, created_at);
