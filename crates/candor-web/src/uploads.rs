//! Files sent in a `multipart/form-data` body, read for the API's
//! attachment route and the conversation page's composer alike: every file
//! within the file store's size limit, read no further than the limit. A
//! file over it is skipped to the end of the body (so the browser receives
//! the answer instead of a broken connection) and reported by name.

use crate::state::WebState;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use candor_app::files::Upload;
use std::collections::HashMap;

/// How many files one message takes from the page.
pub const MAX_FILES: usize = 10;

/// The largest multipart body a route that takes files reads: up to four
/// files at the per-file limit, plus room for the text fields.
pub fn body_limit(max_file_bytes: u64) -> usize {
    (max_file_bytes as usize).saturating_mul(4).saturating_add(1024 * 1024)
}

/// What a multipart form held.
#[derive(Debug, Default)]
pub struct UploadForm {
    /// The text fields by name (the last value of a repeated name).
    pub fields: HashMap<String, String>,
    /// The files of the file field, in order; empty when one was too large.
    pub files: Vec<Upload>,
    /// The name of the first file over the size limit, if one was.
    pub too_large: Option<String>,
}

impl UploadForm {
    /// A text field, or "".
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
}

/// Why a multipart body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The whole body is larger than the route takes.
    #[error("the form is larger than this address takes")]
    BodyTooLarge,
    /// Not a well-formed multipart body.
    #[error("{0}")]
    Malformed(String),
}

fn failed(e: MultipartError) -> UploadError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        UploadError::BodyTooLarge
    } else {
        UploadError::Malformed(e.body_text())
    }
}

/// Reads a multipart body: text fields, and the files of `file_field`, each
/// at most `max_bytes`. A browser's file input with nothing chosen (a part
/// with an empty file name and no bytes) is no file.
pub async fn read(req: Request, state: &WebState, file_field: &str, max_bytes: u64) -> Result<UploadForm, UploadError> {
    let mut form = Multipart::from_request(req, state)
        .await
        .map_err(|e| UploadError::Malformed(e.body_text()))?;
    let mut out = UploadForm::default();
    while let Some(mut field) = form.next_field().await.map_err(failed)? {
        let name = field.name().unwrap_or("").to_string();
        if name != file_field {
            let text = field.text().await.map_err(failed)?;
            out.fields.insert(name, text);
            continue;
        }
        let filename = field.file_name().map(str::to_string);
        let mut bytes = Vec::new();
        let mut over = false;
        while let Some(chunk) = field.chunk().await.map_err(failed)? {
            if over || out.too_large.is_some() {
                continue;
            }
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                over = true;
                bytes = Vec::new();
                continue;
            }
            bytes.extend_from_slice(&chunk);
        }
        if over {
            out.too_large = Some(filename.unwrap_or_else(|| "attachment".into()));
            out.files.clear();
            continue;
        }
        if out.too_large.is_some() || (bytes.is_empty() && filename.as_deref() == Some("")) {
            continue;
        }
        out.files.push(Upload {
            filename: filename.unwrap_or_else(|| "attachment".into()),
            bytes,
        });
    }
    Ok(out)
}
