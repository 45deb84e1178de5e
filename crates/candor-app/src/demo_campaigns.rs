//! The demo's next best actions and win-back campaign.
