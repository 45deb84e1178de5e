//! Typed identifiers. Every id is a time-ordered UUIDv7, shown to users as a string.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Declares a typed id around a UUID.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered id for the given moment.
            pub fn new_at(at: jiff::Timestamp) -> Self {
                Self(crate::ids::uuid_v7_at(at))
            }
            /// Wraps an existing UUID (as read from storage).
            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            /// The UUID inside.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = crate::ids::InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| crate::ids::InvalidId)
            }
        }
    };
}

/// A string that is not a well-formed id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid id")]
pub struct InvalidId;

/// A UUIDv7 whose time part is `at`, so ids made from a controlled clock sort with it.
/// Ids made by one process in the same millisecond sort in the order they were
/// made: the bits after the time hold a process-wide counter (then random bits).
pub fn uuid_v7_at(at: jiff::Timestamp) -> Uuid {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let millis = at.as_millisecond().max(0) as u64;
    let random = *Uuid::now_v7().as_bytes();
    let c = COUNTER.fetch_add(1, Ordering::Relaxed) & ((1 << 42) - 1);
    let mut bytes = [0u8; 10];
    // The builder overwrites the top 4 bits of bytes[0] (version) and the top 2
    // of bytes[2] (variant); the counter's 42 bits fill the rest, highest first.
    bytes[0] = ((c >> 38) & 0x0f) as u8;
    bytes[1] = ((c >> 30) & 0xff) as u8;
    bytes[2] = ((c >> 24) & 0x3f) as u8;
    bytes[3] = ((c >> 16) & 0xff) as u8;
    bytes[4] = ((c >> 8) & 0xff) as u8;
    bytes[5] = (c & 0xff) as u8;
    bytes[6..10].copy_from_slice(&random[12..16]);
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
}

id_type!(
    /// A workspace: one company using Candor.
    WorkspaceId
);
id_type!(
    /// A staff account.
    UserId
);
id_type!(
    /// A contact scored as a step of a customer's trust trajectory.
    TrustStepId
);
id_type!(
    /// An inbox alert raised by a falling trust trajectory.
    TrustAlertId
);
id_type!(
    /// An API token.
    TokenId
);
id_type!(
    /// An entry in the event log.
    EventId
);
id_type!(
    /// A durable job.
    JobId
);
id_type!(
    /// An invitation for a new staff member.
    InviteId
);

id_type!(
    /// A customer of a workspace.
    CustomerId
);
id_type!(
    /// An organization (company) that groups customers.
    OrganizationId
);
id_type!(
    /// A purchase a customer made.
    PurchaseId
);
id_type!(
    /// A saved segment (a named customer query).
    SegmentId
);
id_type!(
    /// A win-back campaign.
    CampaignId
);
id_type!(
    /// A note about a customer.
    NoteId
);
id_type!(
    /// A custom attribute's definition.
    AttributeId
);
id_type!(
    /// A conversation with a customer on one channel.
    ConversationId
);
id_type!(
    /// One message of a conversation: inbound, outbound or an internal note.
    MessageId
);
id_type!(
    /// A file attached to a conversation.
    AttachmentId
);
id_type!(
    /// A team of agents that conversations are routed to.
    TeamId
);
id_type!(
    /// A routing rule.
    RuleId
);
id_type!(
    /// A promise made to a customer.
    PromiseId
);
id_type!(
    /// The redress owed for one missed commitment.
    RedressId
);
id_type!(
    /// A notification for a staff member.
    NotificationId
);
id_type!(
    /// A phone call logged on a conversation.
    CallId
);
id_type!(
    /// A post on a social network that mentions the company.
    MentionId
);
id_type!(
    /// A workspace's social monitoring rule.
    SocialRuleId
);
id_type!(
    /// A monitoring rule that fired on a mention.
    SocialAlertId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_sort_by_time() {
        let early = jiff::Timestamp::from_second(1_700_000_000).unwrap_or_default();
        let late = jiff::Timestamp::from_second(1_800_000_000).unwrap_or_default();
        let a = EventId::new_at(early);
        let b = EventId::new_at(late);
        assert!(a < b);
        assert_eq!(a.to_string().parse::<EventId>(), Ok(a));
        assert_eq!("nope".parse::<EventId>(), Err(InvalidId));
        // Ids of the same instant sort in the order they were made.
        let same: Vec<EventId> = (0..100).map(|_| EventId::new_at(early)).collect();
        assert!(same.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a.as_uuid().get_version_num(), 7);
    }
}
