//! The company profile's figures, computed from stored topics (whose first
//! official reply time and status are kept true by every reply and status
//! change): over a window of days, the median time to the first official
//! reply, the share of topics with an official reply, and the share of
//! problems solved. docs/community.md explains each.

use crate::context::App;
use crate::error::AppResult;
use candor_core::WorkspaceId;
use candor_core::community::{TopicKind, TopicStatus, median};
use candor_store::community::reads::{Answerer, FigureRow};
use jiff::SignedDuration;
use serde::Serialize;

/// The figures over one window.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Figures {
    /// The window, in days back from now.
    pub days: i64,
    /// Topics posted in the window (published, or merged into another).
    pub topics: usize,
    /// Of those, topics with an official reply.
    pub with_official_reply: usize,
    /// `with_official_reply / topics`, when there are topics.
    pub official_reply_share: Option<f64>,
    /// Median time from posting to the first official reply, over the topics
    /// that have one, in seconds.
    pub median_first_official_secs: Option<i64>,
    /// Problems posted in the window.
    pub problems: usize,
    /// Of those, problems marked done.
    pub problems_solved: usize,
    /// `problems_solved / problems`, when there are problems.
    pub problems_solved_share: Option<f64>,
}

/// Computes the figures over topic rows of one window.
pub fn compute(days: i64, rows: &[FigureRow]) -> Figures {
    let topics = rows.len();
    let mut waits: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.first_official_at.map(|f| (f - r.created_at).max(0)))
        .collect();
    let with_official_reply = waits.len();
    let problem = TopicKind::Problem.as_str();
    let problems = rows.iter().filter(|r| r.kind == problem).count();
    let problems_solved = rows
        .iter()
        .filter(|r| r.kind == problem && r.status == TopicStatus::Done.as_str())
        .count();
    let share = |n: usize, of: usize| (of > 0).then(|| n as f64 / of as f64);
    Figures {
        days,
        topics,
        with_official_reply,
        official_reply_share: share(with_official_reply, topics),
        median_first_official_secs: median(&mut waits).map(|us| us / 1_000_000),
        problems,
        problems_solved,
        problems_solved_share: share(problems_solved, problems),
    }
}

/// The profile: figures over 30 and 90 days and the people who answered.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Over the last 30 days.
    pub last_30: Figures,
    /// Over the last 90 days.
    pub last_90: Figures,
    /// Staff who answered officially in the last 90 days.
    pub people: Vec<Answerer>,
}

/// Reads the profile of a workspace's community (public).
pub async fn profile(app: &App, ws: WorkspaceId) -> AppResult<Profile> {
    let now = app.now();
    let since = |d: i64| now.saturating_sub(SignedDuration::from_hours(24 * d)).unwrap_or(now);
    let rows90 = app.db.figure_rows(ws, since(90)).await?;
    let cut30 = candor_core::clock::to_micros(since(30));
    let rows30: Vec<FigureRow> = rows90.iter().filter(|r| r.created_at >= cut30).cloned().collect();
    Ok(Profile {
        last_30: compute(30, &rows30),
        last_90: compute(90, &rows90),
        people: app.db.answerers(ws, since(90)).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, status: &str, created: i64, first: Option<i64>) -> FigureRow {
        FigureRow {
            kind: kind.into(),
            status: status.into(),
            created_at: created,
            first_official_at: first,
        }
    }

    #[test]
    fn figures_from_rows() {
        let h = 3_600_000_000i64;
        let rows = vec![
            row("problem", "done", 0, Some(h)),
            row("problem", "wont-do", 0, Some(3 * h)),
            row("question", "answered", 0, Some(2 * h)),
            row("idea", "new", 0, None),
        ];
        let f = compute(30, &rows);
        assert_eq!(f.topics, 4);
        assert_eq!(f.with_official_reply, 3);
        assert_eq!(f.official_reply_share, Some(0.75));
        assert_eq!(f.median_first_official_secs, Some(7200));
        assert_eq!((f.problems, f.problems_solved), (2, 1));
        assert_eq!(f.problems_solved_share, Some(0.5));
        let empty = compute(90, &[]);
        assert_eq!(empty.official_reply_share, None);
        assert_eq!(empty.median_first_official_secs, None);
    }
}
