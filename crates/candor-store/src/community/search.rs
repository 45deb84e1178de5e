//! Full-text search over topics and their replies, one interface on both
//! databases: SQLite matches its FTS5 table, PostgreSQL the generated
//! tsvector columns (GIN-indexed). Both tokenise without stemming, so the
//! same words find the same posts on either; every term matches as a prefix.

use crate::db::{Backend, Db, read};
use crate::error::Result;
use candor_core::WorkspaceId;
use candor_core::community::TopicId;
use uuid::Uuid;

/// How the terms of a search combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// Every term must appear (searches people type).
    All,
    /// Any term may appear (suggesting similar topics).
    Any,
}

/// The query text for one backend. Terms must be letters and digits only
/// (`candor_core::community::search_terms`), which both syntaxes take literally.
pub fn query_text(backend: Backend, terms: &[String], mode: Match) -> String {
    match backend {
        Backend::Sqlite => {
            let parts: Vec<String> = terms.iter().map(|t| format!("\"{t}\"*")).collect();
            parts.join(if mode == Match::All { " AND " } else { " OR " })
        }
        Backend::Postgres => {
            let parts: Vec<String> = terms.iter().map(|t| format!("{t}:*")).collect();
            parts.join(if mode == Match::All { " & " } else { " | " })
        }
    }
}

impl Db {
    /// Published topics whose title, opening post or a published reply
    /// matches `terms`, best first.
    pub async fn search_topics(
        &self,
        ws: WorkspaceId,
        terms: &[String],
        mode: Match,
        limit: u32,
    ) -> Result<Vec<TopicId>> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let q = query_text(self.backend(), terms, mode);
        let limit = limit.clamp(1, 200) as i64;
        // The one place the two databases differ: how a post is matched and ranked.
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT f.topic_id, MIN(f.rank) AS score FROM community_fts f \
                 JOIN community_topics t ON t.id = f.topic_id AND t.workspace_id = $1 AND t.visibility = 'published' \
                 WHERE community_fts MATCH $2 AND f.workspace_id = $1 \
                 AND (f.reply_id IS NULL OR EXISTS (SELECT 1 FROM community_replies r WHERE r.id = f.reply_id \
                 AND r.workspace_id = $1 AND r.visibility = 'published')) \
                 GROUP BY f.topic_id ORDER BY score, f.topic_id DESC LIMIT $3"
            }
            Backend::Postgres => {
                "SELECT m.topic_id, -MAX(m.rank)::float8 AS score FROM ( \
                 SELECT t.id AS topic_id, ts_rank(t.search_vector, to_tsquery('simple', $2))::float8 * 2 AS rank \
                 FROM community_topics t WHERE t.workspace_id = $1 AND t.visibility = 'published' \
                 AND t.search_vector @@ to_tsquery('simple', $2) \
                 UNION ALL \
                 SELECT r.topic_id, ts_rank(r.search_vector, to_tsquery('simple', $2))::float8 AS rank \
                 FROM community_replies r JOIN community_topics t ON t.id = r.topic_id AND t.workspace_id = r.workspace_id \
                 WHERE r.workspace_id = $1 AND r.visibility = 'published' AND t.visibility = 'published' \
                 AND r.search_vector @@ to_tsquery('simple', $2)) m \
                 GROUP BY m.topic_id ORDER BY score, m.topic_id DESC LIMIT $3"
            }
        };
        let rows: Vec<(Uuid, f64)> = read!(self, p => sqlx::query_as(sql)
            .bind(ws.as_uuid()).bind(&q).bind(limit).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(id, _)| TopicId::from_uuid(id)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_per_backend() {
        let terms = vec!["brake".to_string(), "rain".to_string()];
        assert_eq!(
            query_text(Backend::Sqlite, &terms, Match::All),
            "\"brake\"* AND \"rain\"*"
        );
        assert_eq!(query_text(Backend::Postgres, &terms, Match::Any), "brake:* | rain:*");
    }
}
