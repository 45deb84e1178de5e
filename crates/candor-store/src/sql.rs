//! SQL assembled at run time with its bind values kept apart from its text:
//! user input only ever becomes a `$n` placeholder, never SQL text.

use uuid::Uuid;

/// A value bound to a placeholder.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// An id.
    Uuid(Uuid),
    /// An integer (times in microseconds, counts, minor units).
    I64(i64),
    /// A floating-point number.
    F64(f64),
    /// Text.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A NULL where text goes.
    NullText,
    /// A NULL where an id goes.
    NullUuid,
    /// A NULL where an integer goes.
    NullI64,
    /// A NULL where a floating-point number goes.
    NullF64,
}

impl Arg {
    /// Text, or NULL for none.
    pub fn text_or_null(v: Option<&str>) -> Self {
        v.map_or(Arg::NullText, |t| Arg::Text(t.to_string()))
    }

    /// An integer, or NULL for none.
    pub fn i64_or_null(v: Option<i64>) -> Self {
        v.map_or(Arg::NullI64, Arg::I64)
    }

    /// An id, or NULL for none.
    pub fn uuid_or_null(v: Option<Uuid>) -> Self {
        v.map_or(Arg::NullUuid, Arg::Uuid)
    }
}

/// SQL text with `$1…$n` placeholders and the values that go with them.
#[derive(Clone, Debug, Default)]
pub struct Sql {
    /// The text.
    pub text: String,
    /// The values, in placeholder order.
    pub args: Vec<Arg>,
}

impl Sql {
    /// Starts with `text`, which must hold no placeholders.
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    /// Appends literal SQL text (never user input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        let n = self.args.len();
        self.text.push('$');
        self.text.push_str(&n.to_string());
        self
    }

    /// Appends `VALUES (…), (…)`: one parenthesised group of placeholders per row.
    pub fn values(&mut self, rows: impl IntoIterator<Item = Vec<Arg>>) -> &mut Self {
        self.push(" VALUES ");
        for (r, row) in rows.into_iter().enumerate() {
            self.push(if r == 0 { "(" } else { ", (" });
            for (i, arg) in row.into_iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.bind(arg);
            }
            self.push(")");
        }
        self
    }

    /// Appends `(?, ?, …)` for a list of ids (or `(NULL)` for none, which matches nothing).
    pub fn bind_list(&mut self, ids: impl IntoIterator<Item = Uuid>) -> &mut Self {
        self.push("(");
        let mut any = false;
        for (i, id) in ids.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(Arg::Uuid(id));
            any = true;
        }
        if !any {
            self.push("NULL");
        }
        self.push(")")
    }
}

/// `text` with the `LIKE` wildcards `%`, `_` and the escape `\` escaped; use it
/// with `ESCAPE '\'`.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A `LIKE` pattern that finds `needle` anywhere, with `%`, `_` and `\` escaped;
/// use it with `ESCAPE '\'`.
pub fn contains_pattern(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Binds every [`Arg`] of `$args` to the query `$q` (inside one backend's arm).
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args.iter() {
            q = match a {
                $crate::sql::Arg::Uuid(v) => q.bind(*v),
                $crate::sql::Arg::I64(v) => q.bind(*v),
                $crate::sql::Arg::F64(v) => q.bind(*v),
                $crate::sql::Arg::Text(v) => q.bind(v.clone()),
                $crate::sql::Arg::Bool(v) => q.bind(*v),
                $crate::sql::Arg::NullText => q.bind(Option::<String>::None),
                $crate::sql::Arg::NullUuid => q.bind(Option::<uuid::Uuid>::None),
                $crate::sql::Arg::NullI64 => q.bind(Option::<i64>::None),
                $crate::sql::Arg::NullF64 => q.bind(Option::<f64>::None),
            };
        }
        q
    }};
}
pub(crate) use bind_args;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_in_order_and_patterns_escape() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(Arg::I64(1))
            .push(" AND b IN ")
            .bind_list([Uuid::nil(), Uuid::max()]);
        assert_eq!(sql.text, "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
        assert_eq!(sql.args.len(), 3);
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
        let mut rows = Sql::new("INSERT INTO t (a, b)");
        rows.values([
            vec![Arg::I64(1), Arg::NullText],
            vec![Arg::I64(2), Arg::text_or_null(Some("x"))],
        ]);
        assert_eq!(rows.text, "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
        assert_eq!(rows.args[1], Arg::NullText);
        let mut empty = Sql::new("x IN ");
        empty.bind_list([]);
        assert_eq!(empty.text, "x IN (NULL)");
    }
}
