//! The command line: every flag has a help line and an environment fallback.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Candor: the customer relationship and support platform that keeps its
/// promises in public.
#[derive(Parser, Debug)]
#[command(name = "candor", version, about, propagate_version = true)]
pub struct Cli {
    /// Where Candor keeps its files: the SQLite database, attachments, keys.
    #[arg(long, global = true, env = "CANDOR_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Database to use instead of SQLite in the data directory, e.g.
    /// postgres://user@host/candor.
    #[arg(long, global = true, env = "CANDOR_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Log format: "text" for people, "json" for log collectors.
    #[arg(long, global = true, env = "CANDOR_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Candor's commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server and the job workers.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Administer workspaces.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import customers or purchases from CSV files (columns in docs/import.md).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export customers as CSV or JSON.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Conversation clocks of the Pact (docs/commitments.md).
    #[command(subcommand)]
    Clocks(ClocksCommand),
    /// The trust equation's counts and trajectories (docs/trust.md).
    #[command(subcommand)]
    Trust(TrustCommand),
}

/// `candor trust …`
#[derive(Subcommand, Debug)]
pub enum TrustCommand {
    /// Recompute every trust count, step and trajectory of a workspace from
    /// the event log (one streaming pass, then one transaction); running it
    /// again changes nothing.
    Rebuild {
        /// The workspace's slug.
        #[arg(long, env = "CANDOR_WORKSPACE")]
        workspace: String,
    },
}

/// `candor clocks …`
#[derive(Subcommand, Debug)]
pub enum ClocksCommand {
    /// Recompute every conversation's clocks from the event log (messages,
    /// status and priority changes, warnings and breaches given); running it
    /// again changes nothing.
    Rebuild {
        /// The workspace's slug.
        #[arg(long, env = "CANDOR_WORKSPACE")]
        workspace: String,
    },
}

/// What to import.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Customers, keyed by their identities: running a file again changes nothing.
    Customers(ImportArgs),
    /// Purchases, keyed by external_id: running a file again changes nothing.
    Purchases(ImportArgs),
}

/// Options of `candor import …`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The CSV file.
    pub file: PathBuf,
    /// The workspace's slug.
    #[arg(long)]
    pub workspace: String,
    /// Import the good rows of a file that has bad ones (the bad ones go to
    /// the rejects file). Without it, a file with a bad row imports nothing.
    #[arg(long)]
    pub skip_bad: bool,
    /// Where to write rejected rows with their line and reason (default:
    /// FILE.rejects.csv beside the file).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
}

/// What to export.
#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Customers, all or those matching a segment query.
    Customers {
        /// The workspace's slug.
        #[arg(long)]
        workspace: String,
        /// A segment query, e.g. "tier:A stage:at-risk".
        #[arg(long, default_value = "")]
        query: String,
        /// csv or json.
        #[arg(long, default_value = "csv", value_parser = ["csv", "json"])]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// Options of `candor serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "CANDOR_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Load the demo workspace (once; starting again keeps the data).
    #[arg(long)]
    pub demo: bool,

    /// The address people use to reach Candor, e.g. https://support.example.com;
    /// used in links, and https marks cookies Secure.
    #[arg(long, env = "CANDOR_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Jobs run at the same time by this process.
    #[arg(long, env = "CANDOR_WORKERS", default_value_t = 4, value_parser = clap::value_parser!(u16).range(0..=256))]
    pub workers: u16,

    /// Largest attachment accepted, in bytes (default 25 MB).
    #[arg(long, env = "CANDOR_MAX_ATTACHMENT_BYTES", default_value_t = 25 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..=1024 * 1024 * 1024))]
    pub max_attachment_bytes: u64,
    /// Show customers' community sign-in links on the page instead of only
    /// mailing them: for local demos without a mail server. Never in production.
    #[arg(long, env = "CANDOR_DEV_SHOW_LINKS")]
    pub dev_show_links: bool,

    /// The key that seals stored secrets such as mailbox passwords: 64 hex
    /// digits. Without it, DATA_DIR/secret.key is used (made on first start).
    /// Every node sharing one database needs the same key.
    #[arg(long, env = "CANDOR_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Seconds between mailbox checks on IMAP servers without IDLE (with
    /// IDLE, new mail is fetched as it arrives).
    #[arg(long, env = "CANDOR_MAIL_POLL_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub mail_poll_seconds: u64,

    /// A PEM file of certificate authorities to trust for IMAP and SMTP
    /// servers, beside the public ones: for mail servers whose certificate a
    /// company's own authority signed.
    #[arg(long, env = "CANDOR_MAIL_CA_FILE")]
    pub mail_ca_file: Option<std::path::PathBuf>,

    /// Open chat WebSockets allowed from one client address on this node.
    #[arg(long, env = "CANDOR_CHAT_SOCKETS_PER_IP", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub chat_sockets_per_ip: u32,

    /// Most PostgreSQL connections this process opens.
    #[arg(long, env = "CANDOR_DB_CONNECTIONS", default_value_t = 16, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub db_connections: u32,
}

/// `candor admin …`
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a workspace and its owner; prints the workspace's slug.
    CreateOwner {
        /// The company's name, e.g. "Acme Inc".
        #[arg(long)]
        workspace: String,
        /// The owner's sign-in address.
        #[arg(long)]
        email: String,
        /// The owner's real full name; it signs their replies.
        #[arg(long)]
        name: String,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

/// `candor token …`
#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for a staff member; prints the token alone.
    Create {
        /// The workspace's slug.
        #[arg(long)]
        workspace: String,
        /// The staff member's sign-in address.
        #[arg(long)]
        email: String,
        /// A label to recognise the token by.
        #[arg(long)]
        name: String,
        /// What the token may do: read, write, admin. Repeat for several;
        /// without it, everything the person's role allows.
        #[arg(long = "scope", value_parser = ["read", "write", "admin"])]
        scopes: Vec<String>,
    },
}
