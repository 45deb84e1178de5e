//! Finding topics: full-text search over topics and replies, and the similar
//! topics suggested before posting so that people join an existing topic
//! instead of starting a duplicate (title similarity plus search).

use crate::context::App;
use crate::error::AppResult;
use candor_core::WorkspaceId;
use candor_core::community::{search_terms, suggestion_terms};
use candor_store::community::Topic;
use candor_store::community::reads::TopicFilter;
use candor_store::community::search::Match;

/// Published topics matching every word of `q`, best first.
pub async fn search(app: &App, ws: WorkspaceId, q: &str, limit: u32) -> AppResult<Vec<Topic>> {
    let terms = search_terms(q);
    let ids = app.db.search_topics(ws, &terms, Match::All, limit).await?;
    Ok(app.db.topics_by_ids(ws, &ids).await?)
}

/// How alike two titles are, from 0 to 1.
pub fn title_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    let words_a = suggestion_terms(&a);
    let words_b = suggestion_terms(&b);
    let shared = words_a.iter().filter(|w| words_b.contains(w)).count();
    let overlap = if words_a.is_empty() || words_b.is_empty() {
        0.0
    } else {
        shared as f64 / words_a.len().max(words_b.len()) as f64
    };
    strsim::normalized_levenshtein(&a, &b)
        .max(strsim::sorensen_dice(&a, &b))
        .max(overlap)
}

/// Up to five published topics like a draft's title, most alike first.
pub async fn similar(app: &App, ws: WorkspaceId, title: &str) -> AppResult<Vec<Topic>> {
    let terms = suggestion_terms(title);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids = app.db.search_topics(ws, &terms, Match::Any, 25).await?;
    // Recent topics too: a differently worded title may still be the same thing.
    let recent = app.db.list_topics(ws, &TopicFilter::default(), 50).await?;
    for t in &recent.items {
        if !ids.contains(&t.id) {
            ids.push(t.id);
        }
    }
    let topics = app.db.topics_by_ids(ws, &ids).await?;
    let mut scored: Vec<(f64, Topic)> = topics
        .into_iter()
        .map(|t| (title_similarity(title, &t.title), t))
        .filter(|(s, _)| *s >= 0.45)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(scored.into_iter().take(5).map(|(_, t)| t).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alike_titles_score_high() {
        assert!(title_similarity("Brakes squeal after rain", "Brakes squeal in the rain") > 0.6);
        assert!(title_similarity("Brakes squeal after rain", "How do I order a new saddle?") < 0.45);
    }
}
