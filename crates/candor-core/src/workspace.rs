//! Workspaces: one company each, addressed by a slug in public URLs.

use serde::{Deserialize, Serialize};

/// Why a workspace name or slug was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkspaceError {
    /// The name is empty or too long.
    #[error("{0}")]
    Name(String),
    /// The slug cannot be used in a URL.
    #[error("{0}")]
    Slug(String),
}

/// A company's display name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    /// Accepts a trimmed, non-empty name of at most 100 characters.
    pub fn parse(raw: &str) -> Result<Self, WorkspaceError> {
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(WorkspaceError::Name("a workspace name is required".into()));
        }
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(WorkspaceError::Name(
                "the workspace name must be at most 100 printable characters".into(),
            ));
        }
        Ok(Self(name))
    }

    /// The name as shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Slugs that would collide with the product's own paths.
const RESERVED_SLUGS: &[&str] = &[
    "api", "admin", "login", "logout", "static", "assets", "www", "w", "portal", "settings",
];

/// A lowercase URL slug made from a name: "Acme Inc." → "acme-inc".
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        let c = fold_accent(c);
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').chars().take(48).collect::<String>();
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() || RESERVED_SLUGS.contains(&slug.as_str()) {
        format!("ws-{slug}").trim_end_matches('-').to_string()
    } else {
        slug
    }
}

/// Checks a slug given by hand.
pub fn check_slug(slug: &str) -> Result<(), WorkspaceError> {
    let ok = !slug.is_empty()
        && slug.len() <= 48
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if !ok {
        return Err(WorkspaceError::Slug(format!(
            "\"{slug}\" is not a slug: use 1 to 48 lowercase letters, digits and inner hyphens"
        )));
    }
    if RESERVED_SLUGS.contains(&slug) {
        return Err(WorkspaceError::Slug(format!("\"{slug}\" is reserved")));
    }
    Ok(())
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => 's',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme Inc."), "acme-inc");
        assert_eq!(slugify("  Café Müller & Söhne "), "cafe-muller-sohne");
        assert_eq!(slugify("API"), "ws-api");
        assert_eq!(slugify("日本"), "ws");
        assert!(check_slug("acme-inc").is_ok());
        assert!(check_slug("Acme").is_err());
        assert!(check_slug("admin").is_err());
    }

    #[test]
    fn names() {
        assert!(WorkspaceName::parse("  ").is_err());
        assert_eq!(
            WorkspaceName::parse(" Acme   Inc ").map(|n| n.as_str().to_string()),
            Ok("Acme Inc".into())
        );
    }
}
