//! The wrk script of a scenario: method, path, headers and body, with
//! placeholders filled from the seed, once or per request.

use crate::scenarios::{Part, Scenario, parse_template};
use crate::seed::{Pool, Seed};
use anyhow::{Result, bail};
use std::collections::BTreeSet;
use std::fmt::Write;

/// A Lua string literal holding `s` exactly.
pub fn lua_string(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    out.push(b'"');
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\{b:03}").as_bytes()),
            // UTF-8 sequences pass through whole, byte by byte.
            _ => out.push(b),
        }
    }
    out.push(b'"');
    String::from_utf8_lossy(&out).into_owned()
}

/// A template as a Lua expression, and whether it changes per request;
/// `dynamic` collects what it draws from.
fn expression(template: &str, seed: &Seed, dynamic: &mut BTreeSet<String>) -> Result<(String, bool)> {
    let mut drawn = false;
    let mut pieces: Vec<String> = Vec::new();
    let mut text = String::new();
    for part in parse_template(template) {
        match part {
            Part::Text(t) => text.push_str(&t),
            Part::Var(name) if name == "seq" => {
                flush(&mut text, &mut pieces);
                pieces.push("seq".into());
                drawn = true;
                dynamic.insert(name);
            }
            Part::Var(name) => {
                if let Some(v) = seed.vars.get(&name) {
                    text.push_str(v);
                } else if seed.pools.contains_key(&name) {
                    flush(&mut text, &mut pieces);
                    pieces.push(format!("draw_{name}()"));
                    drawn = true;
                    dynamic.insert(name);
                } else {
                    bail!("the template \"{template}\" names {{{name}}}, which the data set does not provide");
                }
            }
        }
    }
    flush(&mut text, &mut pieces);
    if pieces.is_empty() {
        pieces.push("\"\"".into());
    }
    Ok((pieces.join(" .. "), drawn))
}

fn flush(text: &mut String, pieces: &mut Vec<String>) {
    if !text.is_empty() {
        pieces.push(lua_string(text));
        text.clear();
    }
}

/// The wrk script for `scenario`. Requests without placeholders drawn per
/// request are built once by wrk (its fastest path); others by a `request`
/// function. Each wrk thread seeds its own random numbers and counts its own
/// `{seq}` from a different start, which also moves with the clock's second:
/// the warm-up, the measurement and each connection count all send values of
/// `{seq}` never sent before (a new customer each time stays new).
pub fn script(scenario: &Scenario, seed: &Seed) -> Result<String> {
    let mut dynamic = BTreeSet::new();
    let (path, _) = expression(scenario.path, seed, &mut dynamic)?;
    let body = scenario
        .body
        .map(|b| expression(b, seed, &mut dynamic).map(|e| e.0))
        .transpose()?;
    // (name, value expression, drawn per request)
    let mut headers = Vec::new();
    for (name, value) in scenario.headers {
        let (value, drawn) = expression(value, seed, &mut dynamic)?;
        headers.push((lua_string(name), value, drawn));
    }
    if body.is_some()
        && !scenario
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        headers.push((lua_string("Content-Type"), lua_string("application/json"), false));
    }

    let mut s = String::new();
    let _ = writeln!(s, "-- {}: {}", scenario.name, scenario.about);
    let _ = writeln!(s, "wrk.method = {}", lua_string(scenario.method));
    if dynamic.is_empty() {
        let _ = writeln!(s, "wrk.path = {path}");
        if let Some(body) = &body {
            let _ = writeln!(s, "wrk.body = {body}");
        }
        for (name, value, _) in &headers {
            let _ = writeln!(s, "wrk.headers[{name}] = {value}");
        }
        return Ok(s);
    }

    let _ = writeln!(s, "local threads = 0");
    let _ = writeln!(
        s,
        "function setup(thread)\n  threads = threads + 1\n  thread:set(\"tid\", threads)\nend"
    );
    let _ = writeln!(
        s,
        "local seq = 0\nfunction init(args)\n  math.randomseed(7919 * tid)\n  seq = (os.time() % 100000) * 100000000 + tid * 10000000\nend"
    );
    for name in &dynamic {
        match seed.pools.get(name) {
            Some(Pool::Range { lo, hi }) => {
                let _ = writeln!(s, "local function draw_{name}() return math.random({lo}, {hi}) end");
            }
            Some(Pool::List(values)) => {
                let items: Vec<String> = values.iter().map(|v| lua_string(v)).collect();
                let _ = writeln!(s, "local pool_{name} = {{{}}}", items.join(", "));
                let _ = writeln!(
                    s,
                    "local function draw_{name}() return pool_{name}[math.random(#pool_{name})] end"
                );
            }
            None => {}
        }
    }
    for (name, value, drawn) in &headers {
        if !drawn {
            let _ = writeln!(s, "wrk.headers[{name}] = {value}");
        }
    }
    let _ = writeln!(s, "function request()\n  seq = seq + 1");
    let _ = writeln!(s, "  local headers = wrk.headers");
    for (name, value, drawn) in &headers {
        if *drawn {
            let _ = writeln!(s, "  headers[{name}] = {value}");
        }
    }
    let body = body.unwrap_or_else(|| "nil".into());
    let _ = writeln!(s, "  return wrk.format(nil, {path}, headers, {body})\nend");
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::by_name;

    fn seed() -> Seed {
        let mut seed = Seed::default();
        seed.var("token", "cnd_abc");
        seed.pool("row_id", Pool::Range { lo: 1, hi: 500 });
        seed
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(lua_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(lua_string("x\ny\u{1}"), r#""x\ny\001""#);
        assert_eq!(lua_string("café"), "\"café\"");
    }

    #[test]
    fn fixed_requests_are_built_once() -> Result<()> {
        let s = script(by_name("me").ok_or_else(|| anyhow::anyhow!("no me"))?, &seed())?;
        assert!(s.contains("wrk.headers[\"Authorization\"] = \"Bearer cnd_abc\""), "{s}");
        assert!(s.contains("wrk.path = \"/api/v1/me\""), "{s}");
        assert!(!s.contains("function request"), "{s}");
        Ok(())
    }

    #[test]
    fn drawn_values_make_a_request_function() -> Result<()> {
        let s = script(by_name("row").ok_or_else(|| anyhow::anyhow!("no row"))?, &seed())?;
        assert!(s.contains("math.random(1, 500)"), "{s}");
        assert!(
            s.contains("wrk.format(nil, \"/row/\" .. draw_row_id(), headers, nil)"),
            "{s}"
        );
        let s = script(by_name("insert").ok_or_else(|| anyhow::anyhow!("no insert"))?, &seed())?;
        assert!(s.contains("\"{\\\"name\\\": \\\"bench \" .. seq .. "), "{s}");
        assert!(
            s.contains("wrk.headers[\"Content-Type\"] = \"application/json\""),
            "{s}"
        );
        Ok(())
    }

    #[test]
    fn unknown_placeholders_are_refused() {
        let mut s = crate::scenarios::SCENARIOS[0];
        s.path = "/x/{nothing}";
        assert!(script(&s, &seed()).is_err());
    }
}
