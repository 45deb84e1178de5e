//! A check of the page the browser shows, run in the page itself: what a
//! person using a screen reader or a keyboard would trip over.

use super::browser::{Browser, PageResult};
use serde_json::Value;

/// The checks, in the page: each problem is one line.
const AUDIT: &str = r#"
const problems = [];
const short = el => el.outerHTML.replace(/\s+/g, ' ').slice(0, 140);
const named = el => {
  const by = el.getAttribute('aria-labelledby');
  const labelled = by && by.split(/\s+/).map(id => document.getElementById(id)).filter(Boolean)
    .map(e => e.textContent).join(' ');
  return ((el.getAttribute('aria-label') || labelled || el.textContent || el.value || el.title || '') + '').trim();
};
if (!document.documentElement.lang) problems.push('the page has no lang');
if (!document.title.trim()) problems.push('the page has no title');
const h1 = document.querySelectorAll('h1').length;
if (h1 !== 1) problems.push(`the page has ${h1} h1 headings, not one`);
if (!document.querySelector('main')) problems.push('the page has no main landmark');
for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
  const labels = Array.from(el.labels || []).map(l => l.textContent.trim()).filter(Boolean);
  if (!labels.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    problems.push('a field without a label: ' + short(el));
}
for (const el of document.querySelectorAll('a[href], button')) {
  if (!named(el)) problems.push('a control without a name: ' + short(el));
}
for (const th of document.querySelectorAll('th')) {
  if (!named(th)) problems.push('an empty table header: ' + short(th));
}
for (const l of document.querySelectorAll('label[for]')) {
  if (!document.getElementById(l.htmlFor)) problems.push('a label for a missing field: ' + short(l));
}
const seen = new Set();
for (const el of document.querySelectorAll('[id]')) {
  if (seen.has(el.id)) problems.push('a repeated id: ' + el.id);
  seen.add(el.id);
}
for (const el of document.querySelectorAll('[aria-labelledby], [aria-describedby]')) {
  for (const attr of ['aria-labelledby', 'aria-describedby']) {
    for (const id of (el.getAttribute(attr) || '').split(/\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) problems.push(`${attr} names a missing element: ` + short(el));
    }
  }
}
for (const img of document.querySelectorAll('img:not([alt])')) problems.push('an image without alt: ' + short(img));
for (const f of document.querySelectorAll('form')) {
  const method = (f.getAttribute('method') || 'get').toLowerCase();
  if (method === 'post' && !f.querySelector('input[type=hidden][name=csrf]'))
    problems.push('a form that posts without its form token: ' + short(f));
  if (!f.querySelector('button, input[type=submit]')) problems.push('a form without a button: ' + short(f));
}
// Buttons that read the same but do different things need their own names:
// a list of buttons read out is "Revoke, Revoke, Revoke" otherwise.
const names = new Map();
for (const el of document.querySelectorAll('button')) {
  const form = el.closest('form');
  const key = named(el).replace(/\s+/g, ' ');
  if (!names.has(key)) names.set(key, new Set());
  names.get(key).add(form ? form.getAttribute('action') : '');
}
for (const [key, targets] of names) {
  if (targets.size > 1) problems.push(`${targets.size} buttons read "${key}" but do different things`);
}
return problems;
"#;

impl Browser {
    /// What is wrong with the page now for people using assistive
    /// technology: fields without labels, controls without names, empty
    /// headers, repeated ids, forms without their token, buttons that read
    /// alike but do different things. Empty when nothing is.
    pub async fn audit(&self) -> PageResult<Vec<String>> {
        match self.client().execute(AUDIT, vec![]).await {
            Ok(Value::Array(items)) => Ok(items
                .into_iter()
                .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
                .collect()),
            Ok(other) => Err(self.fail(&format!("the page check answered {other}")).await),
            Err(e) => Err(self.fail(&format!("the page check failed: {e}")).await),
        }
    }

    /// Fails with the page's problems, if it has any (see [`Browser::audit`]).
    pub async fn assert_accessible(&self) -> PageResult<()> {
        let problems = self.audit().await?;
        if problems.is_empty() {
            return Ok(());
        }
        Err(self
            .fail(&format!("the page has problems:\n    - {}", problems.join("\n    - ")))
            .await)
    }
}
