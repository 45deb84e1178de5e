-- Trust (docs/trust.md): the counts behind the trust equation, the steps
-- of each customer's trajectory, and the alerts a falling trajectory raises.

-- The signal counters of one customer or agent (`scope`), in thousandths:
-- `<signal>_f` favourable (for self-orientation: self-serving), `<signal>_n`
-- observed. `week` -1 holds the all-time total; other rows what was added in
-- that week (weeks from Monday 29 December 1969, UTC). Kept current by the
-- event log's append and rebuilt from it by `candor trust rebuild`.
CREATE TABLE trust_counts (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    scope TEXT NOT NULL,
    subject_id UUID NOT NULL,
    week BIGINT NOT NULL,
    solved_held_f BIGINT NOT NULL DEFAULT 0,
    solved_held_n BIGINT NOT NULL DEFAULT 0,
    answers_accepted_f BIGINT NOT NULL DEFAULT 0,
    answers_accepted_n BIGINT NOT NULL DEFAULT 0,
    promises_kept_f BIGINT NOT NULL DEFAULT 0,
    promises_kept_n BIGINT NOT NULL DEFAULT 0,
    commitments_met_f BIGINT NOT NULL DEFAULT 0,
    commitments_met_n BIGINT NOT NULL DEFAULT 0,
    shared_f BIGINT NOT NULL DEFAULT 0,
    shared_n BIGINT NOT NULL DEFAULT 0,
    candid_f BIGINT NOT NULL DEFAULT 0,
    candid_n BIGINT NOT NULL DEFAULT 0,
    sentiment_f BIGINT NOT NULL DEFAULT 0,
    sentiment_n BIGINT NOT NULL DEFAULT 0,
    waits_f BIGINT NOT NULL DEFAULT 0,
    waits_n BIGINT NOT NULL DEFAULT 0,
    self_serving_replies_f BIGINT NOT NULL DEFAULT 0,
    self_serving_replies_n BIGINT NOT NULL DEFAULT 0,
    marketing_against_preferences_f BIGINT NOT NULL DEFAULT 0,
    marketing_against_preferences_n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, scope, subject_id, week)
);
CREATE INDEX trust_counts_weeks ON trust_counts (workspace_id, scope, week);

-- A contact scored as a step toward partnership or disconnection; the
-- row mirrors its `trust.step` event. `source` is conversation, promise or
-- topic; `reasons` the scored reasons as JSON.
CREATE TABLE trust_steps (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    customer_id UUID NOT NULL,
    at BIGINT NOT NULL,
    source TEXT NOT NULL,
    source_id UUID NOT NULL,
    agent_id UUID,
    direction TEXT NOT NULL,
    points INTEGER NOT NULL,
    reasons TEXT NOT NULL
);
CREATE INDEX trust_steps_customer ON trust_steps (workspace_id, customer_id, id);
CREATE INDEX trust_steps_source ON trust_steps (workspace_id, source_id, id);
CREATE INDEX trust_steps_agent ON trust_steps (workspace_id, agent_id, id);

-- Where a customer's trajectory stands: `falling_since` is set while their
-- latest two steps go toward disconnection (the lifecycle's at-risk flag).
CREATE TABLE trust_trajectories (
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    customer_id UUID NOT NULL,
    falling_since BIGINT,
    last_step_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, customer_id)
);
CREATE INDEX trust_trajectories_falling ON trust_trajectories (workspace_id, falling_since);

-- An alert in the inbox when a tier A customer's trajectory starts falling;
-- at most one open per customer.
CREATE TABLE trust_alerts (
    id UUID PRIMARY KEY,
    workspace_id UUID NOT NULL REFERENCES workspaces (id),
    customer_id UUID NOT NULL,
    step_id UUID NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    handled_at BIGINT,
    handled_by UUID,
    handled_how TEXT
);
CREATE UNIQUE INDEX trust_alerts_one_open ON trust_alerts (workspace_id, customer_id) WHERE state = 'open';
CREATE INDEX trust_alerts_state ON trust_alerts (workspace_id, state, id);
