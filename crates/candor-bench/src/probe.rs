//! One request of a scenario before it is measured: its answer must have
//! the expected status, so a figure is never a figure of errors.

use crate::scenarios::{Part, Scenario, parse_template};
use crate::seed::{Pool, Seed};
use anyhow::{Context, Result, anyhow, bail};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A template with every placeholder filled: fixed values as they are,
/// pools by their first value, `{seq}` by 0.
pub fn render(template: &str, seed: &Seed) -> Result<String> {
    let mut out = String::new();
    for part in parse_template(template) {
        match part {
            Part::Text(t) => out.push_str(&t),
            Part::Var(name) if name == "seq" => out.push('0'),
            Part::Var(name) => match (seed.vars.get(&name), seed.pools.get(&name)) {
                (Some(v), _) => out.push_str(v),
                (None, Some(Pool::Range { lo, .. })) => out.push_str(&lo.to_string()),
                (None, Some(Pool::List(values))) => {
                    out.push_str(values.first().ok_or_else(|| anyhow!("the pool {name} is empty"))?)
                }
                (None, None) => bail!("the data set has no {{{name}}}"),
            },
        }
    }
    Ok(out)
}

/// The raw HTTP/1.1 request of a scenario.
pub fn request(scenario: &Scenario, seed: &Seed, host: &str) -> Result<String> {
    let path = render(scenario.path, seed)?;
    let body = scenario.body.map(|b| render(b, seed)).transpose()?;
    let mut req = format!(
        "{} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n",
        scenario.method
    );
    for (name, value) in scenario.headers {
        req.push_str(&format!("{name}: {}\r\n", render(value, seed)?));
    }
    if let Some(body) = &body {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        req.push_str("\r\n");
    }
    Ok(req)
}

/// The status code in an HTTP answer's first line.
pub fn status_of(answer: &str) -> Option<u16> {
    let line = answer.lines().next()?;
    let mut words = line.split_whitespace();
    words.next().filter(|w| w.starts_with("HTTP/"))?;
    words.next()?.parse().ok()
}

/// Sends the scenario once, checks the answer's status, and returns how
/// long the answer took, connection included.
pub async fn timed(scenario: &Scenario, seed: &Seed, base_url: &str) -> Result<Duration> {
    let started = std::time::Instant::now();
    check(scenario, seed, base_url).await?;
    Ok(started.elapsed())
}

/// Sends the scenario once to `base_url` and checks the answer's status.
pub async fn check(scenario: &Scenario, seed: &Seed, base_url: &str) -> Result<()> {
    let host = base_url.trim_start_matches("http://").trim_end_matches('/');
    let req = request(scenario, seed, host)?;
    let answer = tokio::time::timeout(Duration::from_secs(10), async {
        let mut stream = TcpStream::connect(host).await?;
        stream.write_all(req.as_bytes()).await?;
        let mut buf = Vec::new();
        stream.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&buf).into_owned())
    })
    .await
    .map_err(|_| anyhow!("no answer within 10 s"))?
    .with_context(|| format!("cannot send {} {} to {host}", scenario.method, scenario.path))?;
    match status_of(&answer) {
        Some(s) if s == scenario.expect => Ok(()),
        Some(s) => {
            let body = answer.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
            let body: String = body.chars().take(300).collect();
            bail!(
                "{} {} answered {s}, not {}: {body}",
                scenario.method,
                scenario.path,
                scenario.expect
            )
        }
        None => bail!("{} {} gave no HTTP answer", scenario.method, scenario.path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::by_name;

    #[test]
    fn requests_are_filled_in() -> Result<()> {
        let mut seed = Seed::default();
        seed.var("token", "cnd_x");
        seed.pool("row_id", Pool::Range { lo: 3, hi: 9 });
        let me = by_name("me").ok_or_else(|| anyhow!("no me"))?;
        let req = request(me, &seed, "127.0.0.1:1")?;
        assert!(req.starts_with("GET /api/v1/me HTTP/1.1\r\n"), "{req}");
        assert!(req.contains("Authorization: Bearer cnd_x\r\n"), "{req}");
        assert!(req.ends_with("\r\n\r\n"), "{req}");
        let insert = by_name("insert").ok_or_else(|| anyhow!("no insert"))?;
        let req = request(insert, &seed, "h")?;
        assert!(req.contains(r#""name": "bench 0""#), "{req}");
        assert_eq!(render("/row/{row_id}", &seed)?, "/row/3");
        assert!(render("/x/{nope}", &seed).is_err());
        Ok(())
    }

    #[test]
    fn statuses() {
        assert_eq!(status_of("HTTP/1.1 201 Created\r\n"), Some(201));
        assert_eq!(status_of("garbage"), None);
    }
}
