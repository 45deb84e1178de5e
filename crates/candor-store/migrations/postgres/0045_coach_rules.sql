-- A workspace's own reply-coach rules, one TOML file per language, added
-- to the built-in rules. An empty source means the company removed its
-- rules; the row stays so that updated_at only moves forward and every
-- node sees the change.
CREATE TABLE coach_rules (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    language TEXT NOT NULL,
    source TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by UUID,
    PRIMARY KEY (workspace_id, language)
);
