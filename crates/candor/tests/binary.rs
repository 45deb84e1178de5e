//! The `candor` binary as a user runs it: first start and restart, both
//! databases, two nodes on one PostgreSQL, the admin and token commands,
//! bad flags and broken environments, and graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::zombie_processes)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_candor");

fn candor(data_dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("CANDOR_DATABASE_URL")
        .env("CANDOR_DATA_DIR", data_dir)
        .env("CANDOR_LOG", "info");
    c
}

struct Server {
    child: Child,
    base: String,
    lines: Vec<String>,
}

/// Starts `candor serve` on a free port and waits until it says where it runs.
fn start(mut cmd: Command) -> Server {
    let mut child = cmd
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || Instant::now() > deadline {
            let mut err = String::new();
            let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
            panic!("candor serve did not start: {lines:?} {err}");
        }
        lines.push(line.trim().to_string());
        if let Some(url) = line.trim().strip_prefix("Candor is running at ") {
            let base = url.to_string();
            // Keep reading stdout so the pipe never fills.
            std::thread::spawn(move || for _ in reader.lines() {});
            return Server { child, base, lines };
        }
    }
}

impl Drop for Server {
    /// A failed test must not leave a server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn get(&self, path: &str) -> (u16, Value) {
        http::get(&format!("{}{path}", self.base))
    }

    /// Sends SIGTERM and waits for the exit status.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                let _ = std::io::Read::read_to_string(&mut self.child.stderr.take().unwrap(), &mut err);
                return (status, err);
            }
            assert!(Instant::now() < deadline, "candor did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

mod http {
    use serde_json::Value;

    /// A blocking GET through a small runtime, returning status and JSON.
    pub fn get(url: &str) -> (u16, Value) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let r = reqwest::get(url).await.unwrap();
            let status = r.status().as_u16();
            (status, r.json().await.unwrap_or(Value::Null))
        })
    }

    /// A blocking GET with a bearer token.
    pub fn get_auth(url: &str, token: &str) -> (u16, Value) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let r = reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json().await.unwrap_or(Value::Null))
        })
    }
}

fn run(mut cmd: Command, stdin: Option<&str>) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(input) = stdin {
        pipe.write_all(input.as_bytes()).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim().to_string()
}

fn demo_start_and_restart(make: impl Fn() -> Command) {
    let mut cmd = make();
    cmd.args(["serve", "--demo"]);
    let server = start(cmd);
    assert!(
        server
            .lines
            .iter()
            .any(|l| l.contains("maya@northwind.example") && l.contains("northwind-demo")),
        "{:?}",
        server.lines
    );
    assert_eq!(server.get("/healthz").0, 200);
    assert_eq!(server.get("/readyz"), (200, serde_json::json!({"status": "ready"})));
    let (status, err) = server.terminate();
    assert!(status.success(), "exit {status:?}: {err}");
    assert!(err.contains("stopped"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // Again: the data is kept and the demo is not loaded twice.
    let mut cmd = make();
    cmd.args(["serve", "--demo"]);
    let server = start(cmd);
    assert_eq!(server.get("/readyz").0, 200);
    let (status, err) = server.terminate();
    assert!(status.success(), "{err}");
    assert!(
        !err.contains("demo workspace loaded"),
        "the demo was loaded twice: {err}"
    );
}

#[test]
fn first_start_and_restart_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    demo_start_and_restart(|| candor(&data));
    assert!(data.join("candor.db").exists());
}

fn pg_database() -> (String, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(candor_store::testing::new_pg_database()).unwrap()
}

fn drop_pg(name: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(candor_store::testing::drop_pg_database(name)).unwrap();
}

#[test]
fn first_start_and_restart_on_postgres() {
    let (url, name) = pg_database();
    let dir = tempfile::tempdir().unwrap();
    demo_start_and_restart(|| {
        let mut c = candor(dir.path());
        c.env("CANDOR_DATABASE_URL", &url);
        c
    });
    // Nothing was written to the data directory's SQLite file.
    assert!(!dir.path().join("candor.db").exists());
    drop_pg(&name);
}

#[test]
fn two_nodes_share_one_postgres() {
    let (url, name) = pg_database();
    let dir = tempfile::tempdir().unwrap();
    // Both start at once on an empty database: one migrates, the other waits.
    let spawn = || {
        let mut c = candor(dir.path());
        c.args(["--database-url", &url, "serve", "--demo"]);
        std::thread::spawn(move || start(c))
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert_ne!(a.base, b.base);
    assert_eq!(a.get("/readyz").0, 200);
    assert_eq!(b.get("/readyz").0, 200);
    // A token made by one node's database works on the other.
    let mut cmd = candor(dir.path());
    cmd.args([
        "--database-url",
        &url,
        "token",
        "create",
        "--workspace",
        "northwind",
        "--email",
        "maya@northwind.example",
        "--name",
        "two-nodes",
    ]);
    let out = run(cmd, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout);
    let (status, me) = http::get_auth(&format!("{}/api/v1/me", b.base), &token);
    assert_eq!(
        (status, me["workspace"]["slug"].clone()),
        (200, serde_json::json!("northwind"))
    );
    let (status, _) = http::get_auth(&format!("{}/api/v1/me", a.base), &token);
    assert_eq!(status, 200);
    assert!(a.terminate().0.success());
    assert!(b.terminate().0.success());
    drop_pg(&name);
}

#[test]
fn create_owner_and_token_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = candor(dir.path());
    cmd.args([
        "admin",
        "create-owner",
        "--workspace",
        "Acme Inc",
        "--email",
        "Jane@Acme.example",
        "--name",
        "Jane Doe",
        "--password-stdin",
    ]);
    let out = run(cmd, Some("a long enough password\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "acme-inc");

    // The same name again gets the next free slug.
    let mut cmd = candor(dir.path());
    cmd.args([
        "admin",
        "create-owner",
        "--workspace",
        "Acme Inc",
        "--email",
        "john@acme.example",
        "--name",
        "John Roe",
        "--password-stdin",
    ]);
    let out = run(cmd, Some("a long enough password\n"));
    assert_eq!(text(&out.stdout), "acme-inc-2");

    let mut cmd = candor(dir.path());
    cmd.args([
        "token",
        "create",
        "--workspace",
        "acme-inc",
        "--email",
        "jane@acme.example",
        "--name",
        "ci",
        "--scope",
        "read",
    ]);
    let out = run(cmd, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout);
    assert!(
        token.starts_with("cnd_") && !token.contains(char::is_whitespace),
        "{token}"
    );

    let mut cmd = candor(dir.path());
    cmd.arg("serve");
    let server = start(cmd);
    let (status, me) = http::get_auth(&format!("{}/api/v1/me", server.base), &token);
    assert_eq!(status, 200);
    assert_eq!(me["user"]["name"], "Jane Doe");
    assert_eq!(me["scopes"], serde_json::json!(["read"]));
    assert!(server.terminate().0.success());
}

/// Runs a command expected to fail; returns its one-line error.
fn fails(mut cmd: Command, stdin: Option<&str>) -> String {
    let out = run(std::mem::replace(&mut cmd, Command::new("true")), stdin);
    assert!(!out.status.success(), "expected failure, got {}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn bad_flags_and_input_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<&str>, Option<&str>, &str)> = vec![
        (vec!["serve", "--lisen", "x"], None, "--lisen"),
        (vec!["serve", "--listen", "nowhere"], None, "--listen"),
        (
            vec![
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--mail-ca-file",
                "/nonexistent/mail-ca.pem",
            ],
            None,
            "--mail-ca-file: cannot read /nonexistent/mail-ca.pem",
        ),
        (
            vec![
                "token",
                "create",
                "--workspace",
                "nope",
                "--email",
                "a@b.example",
                "--name",
                "x",
            ],
            None,
            "--workspace",
        ),
        (
            vec![
                "token",
                "create",
                "--workspace",
                "x",
                "--email",
                "a@b.example",
                "--name",
                "x",
                "--scope",
                "root",
            ],
            None,
            "--scope",
        ),
        (
            vec![
                "admin",
                "create-owner",
                "--workspace",
                "Acme",
                "--email",
                "a@b.example",
                "--name",
                "Support Team",
                "--password-stdin",
            ],
            Some("long enough pw\n"),
            "--name",
        ),
        (
            vec![
                "admin",
                "create-owner",
                "--workspace",
                "Acme",
                "--email",
                "not-an-email",
                "--name",
                "Jane Doe",
                "--password-stdin",
            ],
            Some("long enough pw\n"),
            "--email",
        ),
        (
            vec![
                "admin",
                "create-owner",
                "--workspace",
                "Acme",
                "--email",
                "a@b.example",
                "--name",
                "Jane Doe",
                "--password-stdin",
            ],
            Some("short\n"),
            "--password-stdin",
        ),
        (
            vec![
                "admin",
                "create-owner",
                "--workspace",
                "Acme",
                "--email",
                "a@b.example",
                "--name",
                "Jane Doe",
                "--password-stdin",
            ],
            Some(""),
            "--password-stdin",
        ),
        (
            vec!["--database-url", "mysql://x@y/z", "migrate"],
            None,
            "sqlite:// or postgres://",
        ),
        (
            vec!["--database-url", "postgres://postgres@127.0.0.1:1/none", "migrate"],
            None,
            "cannot reach the PostgreSQL database",
        ),
    ];
    for (args, stdin, expected) in cases {
        let mut cmd = candor(dir.path());
        cmd.args(&args);
        let err = fails(cmd, stdin);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    // Nothing half-made: no workspace was created by the refused commands.
    let mut cmd = candor(dir.path());
    cmd.args([
        "token",
        "create",
        "--workspace",
        "acme",
        "--email",
        "a@b.example",
        "--name",
        "x",
    ]);
    assert!(fails(cmd, None).contains("no workspace"));
}

#[test]
fn broken_environments_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    // A data directory that is a file.
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let err = fails(
        {
            let mut c = candor(&file);
            c.arg("migrate");
            c
        },
        None,
    );
    assert!(err.contains("data directory"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // A data directory that cannot be written.
    let ro = dir.path().join("read-only");
    std::fs::create_dir(&ro).unwrap();
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o500);
    std::fs::set_permissions(&ro, perms).unwrap();
    let probe = std::fs::write(ro.join("probe"), b"x");
    if probe.is_err() {
        let err = fails(
            {
                let mut c = candor(&ro.join("data"));
                c.arg("migrate");
                c
            },
            None,
        );
        assert!(err.contains("data directory"), "{err}");
    } else {
        // Running as root ignores permissions; a read-only file system is not available here.
        let _ = std::fs::remove_file(ro.join("probe"));
    }

    // A corrupt SQLite file is reported, not overwritten.
    let corrupt = dir.path().join("corrupt");
    std::fs::create_dir(&corrupt).unwrap();
    let garbage = vec![0x42u8; 8192];
    std::fs::write(corrupt.join("candor.db"), &garbage).unwrap();
    let err = fails(
        {
            let mut c = candor(&corrupt);
            c.arg("migrate");
            c
        },
        None,
    );
    assert!(err.contains("not a readable SQLite database"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(std::fs::read(corrupt.join("candor.db")).unwrap(), garbage);
}

#[test]
fn help_explains_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["admin", "create-owner", "--help"],
        vec!["token", "create", "--help"],
        vec!["migrate", "--help"],
    ] {
        let mut cmd = candor(dir.path());
        cmd.args(&args);
        let out = run(cmd, None);
        assert!(out.status.success());
        let help = text(&out.stdout);
        assert!(
            help.contains("--data-dir") && help.contains("--database-url"),
            "{args:?}: {help}"
        );
    }
    let mut cmd = candor(dir.path());
    cmd.args(["serve", "--help"]);
    let help = text(&run(cmd, None).stdout);
    for flag in ["--listen", "--demo", "--public-url", "--workers", "CANDOR_LISTEN"] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
}

#[test]
fn migrate_applies_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = candor(dir.path());
    cmd.arg("migrate");
    let out = run(cmd, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("database is at migration "));
    assert!(dir.path().join("candor.db").exists());
}
