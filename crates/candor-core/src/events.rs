//! The event log's vocabulary: who did what to which subject.

use crate::ids::UserId;
use serde::{Deserialize, Serialize};

/// Who caused an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum Actor {
    /// A staff member, signed in or through one of their API tokens.
    Staff(UserId),
    /// Candor itself: jobs, rules, imports.
    System,
}

impl Actor {
    /// The actor's type as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Staff(_) => "staff",
            Actor::System => "system",
        }
    }
}

/// What an event is about, as stored: a type name and an id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The subject's type, e.g. "user", "token", "workspace".
    #[serde(rename = "type")]
    pub kind: String,
    /// The subject's id.
    pub id: uuid::Uuid,
}

impl Subject {
    /// A subject of the given type and id.
    pub fn new(kind: &str, id: uuid::Uuid) -> Self {
        Self {
            kind: kind.to_string(),
            id,
        }
    }
}

/// Event kinds written by the foundation. Later capabilities add their own.
pub mod kind {
    /// A workspace was created.
    pub const WORKSPACE_CREATED: &str = "workspace.created";
    /// A staff account was created.
    pub const STAFF_CREATED: &str = "staff.created";
    /// A staff member signed in.
    pub const STAFF_SIGNED_IN: &str = "staff.signed_in";
    /// A sign-in attempt failed.
    pub const STAFF_SIGN_IN_FAILED: &str = "staff.sign_in_failed";
    /// A staff member signed out.
    pub const STAFF_SIGNED_OUT: &str = "staff.signed_out";
    /// A staff member's role changed.
    pub const STAFF_ROLE_CHANGED: &str = "staff.role_changed";
    /// A staff account was deactivated.
    pub const STAFF_DEACTIVATED: &str = "staff.deactivated";
    /// A staff account was reactivated.
    pub const STAFF_REACTIVATED: &str = "staff.reactivated";
    /// Someone was invited to join as staff.
    pub const STAFF_INVITED: &str = "staff.invited";
    /// An invitation was accepted.
    pub const STAFF_JOINED: &str = "staff.joined";
    /// An API token was created.
    pub const TOKEN_CREATED: &str = "token.created";
    /// An API token was revoked.
    pub const TOKEN_REVOKED: &str = "token.revoked";
    /// A new version of the public commitments came into force.
    pub const COMMITMENTS_PUBLISHED: &str = "commitments.published";
    /// The workspace's own coach rules for a language were changed.
    pub const COACH_RULES_CHANGED: &str = "coach.rules_changed";

    /// A customer was created.
    pub const CUSTOMER_CREATED: &str = "customer.created";
    /// A customer's name, tags, attributes, organization, preferences or consent changed.
    pub const CUSTOMER_UPDATED: &str = "customer.updated";
    /// An identity was added to a customer.
    pub const CUSTOMER_IDENTITY_ADDED: &str = "customer.identity_added";
    /// An identity was removed from a customer.
    pub const CUSTOMER_IDENTITY_REMOVED: &str = "customer.identity_removed";
    /// A note about a customer was written.
    pub const CUSTOMER_NOTE_ADDED: &str = "customer.note_added";
    /// Another customer was merged into this one.
    pub const CUSTOMER_MERGED: &str = "customer.merged";
    /// A purchase was recorded.
    pub const PURCHASE_RECORDED: &str = "purchase.recorded";
    /// An organization was created.
    pub const ORGANIZATION_CREATED: &str = "organization.created";
    /// A custom attribute was defined.
    pub const ATTRIBUTE_DEFINED: &str = "attribute.defined";
    /// A segment was saved.
    pub const SEGMENT_CREATED: &str = "segment.created";
    /// A campaign was written (or changed before it started).
    pub const CAMPAIGN_SAVED: &str = "campaign.saved";
    /// A campaign started or went on sending.
    pub const CAMPAIGN_STARTED: &str = "campaign.started";
    /// A campaign was paused.
    pub const CAMPAIGN_PAUSED: &str = "campaign.paused";
    /// A campaign decided about every customer of its segment.
    pub const CAMPAIGN_FINISHED: &str = "campaign.finished";
    /// The workspace's next-best-action rules changed.
    pub const NEXT_ACTION_RULES_CHANGED: &str = "next_actions.rules_changed";

    /// A conversation was opened.
    pub const CONVERSATION_CREATED: &str = "conversation.created";
    /// A customer's message arrived.
    pub const MESSAGE_RECEIVED: &str = "message.received";
    /// An agent's reply was stored (and queued when a channel sends it).
    pub const MESSAGE_SENT: &str = "message.sent";
    /// An internal note was written.
    pub const NOTE_ADDED: &str = "note.added";
    /// A conversation's status changed.
    pub const CONVERSATION_STATUS_CHANGED: &str = "conversation.status_changed";
    /// A conversation's priority changed.
    pub const CONVERSATION_PRIORITY_CHANGED: &str = "conversation.priority_changed";
    /// A conversation's tags changed.
    pub const CONVERSATION_TAGS_CHANGED: &str = "conversation.tags_changed";
    /// A conversation was assigned to a team or an agent (or unassigned).
    pub const CONVERSATION_ASSIGNED: &str = "conversation.assigned";
    /// A file was attached to a conversation.
    pub const ATTACHMENT_ADDED: &str = "attachment.added";
    /// A team was created or changed.
    pub const TEAM_SAVED: &str = "team.saved";
    /// A routing rule was created, changed or removed.
    pub const ROUTING_RULES_CHANGED: &str = "routing.rules_changed";
    /// An agent's languages or status changed.
    pub const AGENT_UPDATED: &str = "agent.updated";
    /// A mailbox was added or changed (its passwords are never in the event).
    pub const MAILBOX_SAVED: &str = "mailbox.saved";
    /// A mailbox was removed.
    pub const MAILBOX_REMOVED: &str = "mailbox.removed";

    /// A conversation's clock reached its warning share.
    pub const COMMITMENT_WARNING: &str = "commitment.warning";
    /// A conversation's clock passed its due time: a commitment was missed.
    pub const COMMITMENT_BREACHED: &str = "commitment.breached";
    /// A priority change moved a conversation's running clocks to the new
    /// priority's commitment (or stopped measuring them).
    pub const COMMITMENT_RETARGETED: &str = "commitment.retargeted";
    /// The redress for a missed commitment was done.
    pub const REDRESS_DONE: &str = "redress.done";
    /// A promise was made to a customer.
    pub const PROMISE_MADE: &str = "promise.made";
    /// A promise's owner was reminded before it falls due.
    pub const PROMISE_REMINDED: &str = "promise.reminded";
    /// A promise was kept.
    pub const PROMISE_KEPT: &str = "promise.kept";
    /// A promise's due time passed without it being kept.
    pub const PROMISE_BROKEN: &str = "promise.broken";

    /// A phone call was logged.
    pub const CALL_LOGGED: &str = "call.logged";
    /// A post mentioning the company was stored.
    pub const MENTION_RECEIVED: &str = "mention.received";
    /// A social monitoring rule was added.
    pub const SOCIAL_RULE_ADDED: &str = "social.rule_added";
    /// A social monitoring rule was removed.
    pub const SOCIAL_RULE_REMOVED: &str = "social.rule_removed";
    /// A monitoring rule fired on a mention.
    pub const SOCIAL_ALERT_RAISED: &str = "social.alert_raised";
    /// Someone acted on a social alert (reached out, or dismissed it).
    pub const SOCIAL_ALERT_HANDLED: &str = "social.alert_handled";

    /// The chat widget's settings (allowed origins) changed.
    pub const CHAT_SETTINGS_CHANGED: &str = "chat.settings_changed";
    /// The chat widget's signing secret was made or replaced.
    pub const CHAT_SECRET_ROTATED: &str = "chat.secret_rotated";
    /// A chat visitor gave an email address that belongs to another customer.
    pub const CHAT_EMAIL_CLAIMED: &str = "chat.email_claimed";
}
