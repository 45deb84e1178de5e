//! The demo company's public commitments.

use crate::caller::Caller;
use crate::commitments;
use crate::context::App;
use crate::error::{AppError, AppResult};
use candor_core::commitments::{Commitment, Commitments, RedressAction};
use candor_core::hours::{BusinessCalendar, OpenInterval, WeeklyHours};
use candor_store::staff::User;
use jiff::civil::{Date, Time};

fn target(
    channel: &str,
    priority: &str,
    first: &str,
    next: Option<&str>,
    resolution: Option<&str>,
) -> AppResult<Commitment> {
    let parse = |s: &str| s.parse().map_err(|e: String| AppError::Internal(e));
    Ok(Commitment {
        channel: channel.into(),
        priority: priority.into(),
        first_reply: Some(parse(first)?),
        next_reply: next.map(parse).transpose()?,
        resolution: resolution.map(parse).transpose()?,
    })
}

/// Publishes Northwind's commitments as its owner.
pub async fn load(app: &App, owner: &User) -> AppResult<()> {
    let hours = WeeklyHours::weekdays(&[OpenInterval::new(
        Time::constant(9, 0, 0, 0),
        Time::constant(18, 0, 0, 0),
    )]);
    let holidays = [
        Date::constant(2026, 12, 24),
        Date::constant(2026, 12, 25),
        Date::constant(2026, 12, 26),
        Date::constant(2027, 1, 1),
    ];
    let calendar = BusinessCalendar::new("Europe/Berlin", hours, holidays.into_iter().collect())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let c = Commitments {
        calendar,
        warn_at: 0.75,
        commitments: vec![
            target("email", "urgent", "PT1H", Some("PT2H"), Some("P1D"))?,
            target("email", "high", "PT2H", Some("PT4H"), Some("P2D"))?,
            target("email", "normal", "PT4H", Some("PT8H"), Some("P3D"))?,
            target("email", "low", "P1D", None, Some("P5D"))?,
            target("chat", "normal", "PT5M", Some("PT5M"), None)?,
            target("phone", "normal", "PT2H", None, Some("P2D"))?,
            target("social", "normal", "PT2H", None, None)?,
            target("community", "normal", "P1D", None, None)?,
        ],
        redress: "When we miss a commitment we tell you so, say sorry in our own words, and take 10% off your next service or part. If a repair is late, we lend you a bike until yours is back.".into(),
        redress_actions: vec![RedressAction::NotifyLead, RedressAction::DraftApology],
    };
    commitments::publish(app, &Caller::session(owner.clone()), &c).await?;
    Ok(())
}
