//! Who is asking, and what they may do.

use crate::error::{AppError, AppResult};
use candor_core::WorkspaceId;
use candor_core::events::Actor;
use candor_core::staff::Scope;
use candor_store::staff::User;

/// A signed-in staff member or one of their API tokens.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The person.
    pub user: User,
    /// What this credential may do (a session holds all its role allows).
    pub scopes: Vec<Scope>,
}

impl Caller {
    /// A browser session: everything the role allows.
    pub fn session(user: User) -> Self {
        let scopes = user.role.scopes();
        Self { user, scopes }
    }

    /// An API token: its scopes, within what the role allows today.
    pub fn token(user: User, token_scopes: &[Scope]) -> Self {
        let scopes = token_scopes.iter().copied().filter(|s| user.role.allows(*s)).collect();
        Self { user, scopes }
    }

    /// The caller's workspace.
    pub fn workspace(&self) -> WorkspaceId {
        self.user.workspace_id
    }

    /// The caller as the actor of events.
    pub fn actor(&self) -> Actor {
        Actor::Staff(self.user.id)
    }

    /// Whether the caller holds `scope`.
    pub fn holds(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Refuses unless the caller holds `scope`.
    pub fn require(&self, scope: Scope) -> AppResult<()> {
        if self.holds(scope) {
            Ok(())
        } else if self.user.role.allows(scope) {
            Err(AppError::Forbidden(format!(
                "this API token lacks the \"{scope}\" scope"
            )))
        } else {
            Err(AppError::Forbidden(format!(
                "the {} role may not do this (it needs \"{scope}\")",
                self.user.role
            )))
        }
    }
}
