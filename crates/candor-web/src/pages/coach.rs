//! The coach settings page: the company's own reply-coach rules per
//! language (owners and admins change them; everyone can read them), and a
//! box to try a sentence against the rules in force.

use crate::auth::StaffSession;
use crate::pages::{Chrome, render};
use crate::state::WebState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use candor_app::AppError;
use candor_app::coach_rules::{self, RulesView};
use candor_app::insight;
use candor_insight::{CoachOptions, Finding};
use serde::Deserialize;

/// Languages always offered, whether or not the company has rules for them.
const OFFERED: [&str; 4] = ["en", "de", "fr", "es"];

/// An example a company can start from.
const EXAMPLE: &str = r#"[[rule]]
id = "acme.ticket-speak"
category = "doublespeak"
message = "Customers do not have tickets; they have a question or a problem."
suggestion = "Name it: \"your question about the invoice\"."
patterns = ["your ticket (number |)(is|has been|was)"]"#;

struct LanguageForm {
    language: String,
    source: String,
    rules: usize,
    updated_at: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "coach.html")]
struct CoachPage {
    chrome: Option<Chrome>,
    csrf: String,
    can_edit: bool,
    languages: Vec<LanguageForm>,
    example: &'static str,
    error: Option<String>,
    error_language: String,
    saved: Option<String>,
    trial: String,
    findings: Option<Vec<(String, String, String, String)>>,
}

struct Outcome {
    error: Option<(String, String)>,
    saved: Option<String>,
    trial: String,
    findings: Option<Vec<(String, String, String, String)>>,
    drafts: Option<(String, String)>,
}

async fn page(state: &WebState, s: &StaffSession, status: StatusCode, out: Outcome) -> Response {
    let caller = s.caller();
    let stored: Vec<RulesView> = match coach_rules::list(&state.app, &caller).await {
        Ok(list) => list,
        Err(AppError::Forbidden(m)) => return crate::auth::forbidden_page(&m),
        Err(e) => return crate::auth::forbidden_page(&e.to_string()),
    };
    let mut languages: Vec<LanguageForm> = OFFERED
        .iter()
        .map(|l| LanguageForm {
            language: (*l).to_string(),
            source: String::new(),
            rules: 0,
            updated_at: String::new(),
            error: None,
        })
        .collect();
    for r in stored {
        let form = LanguageForm {
            rules: r.rules,
            updated_at: r.updated_at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
            error: r.error,
            source: r.source,
            language: r.language,
        };
        match languages.iter_mut().find(|f| f.language == form.language) {
            Some(slot) => *slot = form,
            None => languages.push(form),
        }
    }
    // A refused draft stays in its box so that nothing typed is lost.
    if let Some((lang, draft)) = out.drafts {
        match languages.iter_mut().find(|f| f.language == lang) {
            Some(slot) => slot.source = draft,
            None => languages.push(LanguageForm {
                language: lang,
                source: draft,
                rules: 0,
                updated_at: String::new(),
                error: None,
            }),
        }
    }
    let chrome = Chrome::of(state, s).await;
    let csrf = chrome.csrf.clone();
    let (error_language, error) = match out.error {
        Some((l, e)) => (l, Some(e)),
        None => (String::new(), None),
    };
    render(
        status,
        &CoachPage {
            chrome: Some(chrome),
            csrf,
            can_edit: caller.require(candor_core::staff::Scope::Admin).is_ok(),
            languages,
            example: EXAMPLE,
            error,
            error_language,
            saved: out.saved,
            trial: out.trial,
            findings: out.findings,
        },
    )
}

fn nothing() -> Outcome {
    Outcome {
        error: None,
        saved: None,
        trial: String::new(),
        findings: None,
        drafts: None,
    }
}

/// The rules form of one language.
#[derive(Deserialize)]
pub struct RulesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    source: String,
    /// Only in the "another language" form.
    #[serde(default)]
    language: String,
}

/// POST /settings/coach/{language}
pub async fn save(
    State(state): State<WebState>,
    s: StaffSession,
    Path(language): Path<String>,
    Form(f): Form<RulesForm>,
) -> Response {
    store(&state, &s, language, f).await
}

/// POST /settings/coach/new — rules for a language not listed yet.
pub async fn save_new(State(state): State<WebState>, s: StaffSession, Form(f): Form<RulesForm>) -> Response {
    let language = f.language.clone();
    store(&state, &s, language, f).await
}

async fn store(state: &WebState, s: &StaffSession, language: String, f: RulesForm) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    // Browsers send CRLF line ends from a textarea.
    let source = f.source.replace("\r\n", "\n");
    match coach_rules::put(&state.app, &s.caller(), &language, &source).await {
        Ok(_) => Redirect::to(&format!(
            "/settings/coach?saved={}",
            language.trim().to_ascii_lowercase()
        ))
        .into_response(),
        Err(AppError::Forbidden(m)) => crate::auth::forbidden_page(&m),
        Err(e) => {
            let message = match &e {
                AppError::Invalid { message, .. } => message.clone(),
                other => other.to_string(),
            };
            let out = Outcome {
                error: Some((language.clone(), message)),
                drafts: Some((language, source)),
                ..nothing()
            };
            page(state, s, StatusCode::UNPROCESSABLE_ENTITY, out).await
        }
    }
}

/// The try-it form.
#[derive(Deserialize)]
pub struct TryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

/// A finding as the page lists it: category, the words found (its span
/// counts chars), what is wrong, what to write instead.
fn described(text: &str, f: Finding) -> (String, String, String, String) {
    let category = serde_json::to_value(f.category)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let words: String = text.chars().skip(f.start).take(f.end.saturating_sub(f.start)).collect();
    (category, words, f.message, f.suggestion)
}

/// POST /settings/coach/try — the findings for a sentence, with the rules in force.
pub async fn try_text(State(state): State<WebState>, s: StaffSession, Form(f): Form<TryForm>) -> Response {
    if let Some(refusal) = s.form_refusal(&f.csrf) {
        return refusal;
    }
    let options = CoachOptions {
        check_signature: false,
        ..CoachOptions::default()
    };
    match insight::coach(&state.app, &s.caller(), &f.text, &options).await {
        Ok(answer) => {
            let findings = answer.findings.into_iter().map(|x| described(&f.text, x)).collect();
            let out = Outcome {
                trial: f.text,
                findings: Some(findings),
                ..nothing()
            };
            page(&state, &s, StatusCode::OK, out).await
        }
        Err(e) => {
            let out = Outcome {
                error: Some(("try".into(), e.to_string())),
                trial: f.text,
                ..nothing()
            };
            page(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, out).await
        }
    }
}

/// Query of the page after a save.
#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// GET /settings/coach (`?saved=xx` after a save says which language was saved).
pub async fn show(
    State(state): State<WebState>,
    s: StaffSession,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let out = Outcome {
        saved: q
            .saved
            .filter(|l| l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase())),
        ..nothing()
    };
    page(&state, &s, StatusCode::OK, out).await
}
