//! Command-line interface: the top-level parser, the global flags, the
//! `--help` headings, dispatch to the commands and their exit codes. Each
//! command's flags live in a submodule that maps them onto the library's
//! options and prints what the library returns; no workflow lives here:
//! each command is one library call (`publish::refresh`, `serve::run`,
//! `check::run`). The only module that uses `anyhow`, besides `main`.

mod check;
mod keygen;
mod pipeline;
mod refresh;
mod serve;
mod values;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use check::CheckArgs;
use keygen::KeygenArgs;
use refresh::RefreshArgs;
use serve::ServeArgs;
use verify::VerifyArgs;

/// The official, auto-refreshing Kubernetes CVE feed.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// Log format on stderr; the level follows RUST_LOG (default: info).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "CVEFEED_LOG_FORMAT")]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// Log line format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Flags whose values may hold a secret (a URL with a token in its path,
/// query or user info; a bucket credential): an error about one never
/// repeats the value, whether it came from the command line or from the
/// environment.
const SECRET_FLAGS: &[&str] = &[
    "--build-hook-url",
    "--alert-webhook-url",
    "--out-option",
    "--github-api-url",
    "--github-token",
    "--cve-api-url",
    "--base-url",
    "--feed-url",
    "--webhook-secret",
];

/// Parse the command line; on an error, print it and exit with status 2
/// (0 for `--help` and `--version`). An invalid value of a secret flag is
/// reported by flag name and reason only.
pub fn parse() -> Cli {
    Cli::try_parse().unwrap_or_else(|e| {
        if let Some(message) = redacted_value_error(&e) {
            eprintln!("{message}");
            std::process::exit(2);
        }
        e.exit()
    })
}

/// The message of a value error about a secret flag, without the value;
/// `None` for every other error.
fn redacted_value_error(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        e.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return None;
    }
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let secret = SECRET_FLAGS.iter().any(|flag| {
        arg.strip_prefix(flag)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '=']))
    });
    if !secret {
        return None;
    }
    let reason = std::error::Error::source(e)
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    Some(format!(
        "error: invalid value for '{arg}' (not shown: it may hold a secret){reason}\n\n\
         For more information, try '--help'."
    ))
}

/// `--help` headings, in the order a reader needs them.
const GITHUB: &str = "GitHub";
const OUTPUT: &str = "Output";
const SITE: &str = "Site";
const STORE: &str = "Store (buckets)";
const HOOKS: &str = "Hooks";
const SERVING: &str = "Serving";

/// Start logging to stderr.
pub fn init_logging(format: LogFormat) {
    // By default object_store's retries stay quiet: the error that ends
    // the run says what failed (RUST_LOG=info,object_store=info shows them).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,object_store=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the labelled issues and publish the feed, if anything changed.
    Refresh(Box<RefreshArgs>),
    /// Serve the published feed over HTTP and keep it fresh.
    Serve(Box<ServeArgs>),
    /// Check Kubernetes versions, or a running cluster, against the feed.
    Check(CheckArgs),
    /// Verify a publication: the signature of manifest.json, then every
    /// object it lists. Exit 0 intact, 1 mismatch, 2 error.
    Verify(VerifyArgs),
    /// Write a new signing key pair (cvefeed.key, cvefeed.pub).
    Keygen(KeygenArgs),
}

impl Command {
    /// Run the command; the exit code follows the documented contract.
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Command::Refresh(args) => args.run().await,
            Command::Serve(args) => args.run().await,
            Command::Check(args) => args.run().await,
            Command::Verify(args) => args.run().await,
            Command::Keygen(args) => args.run(),
        }
    }
}

/// The current time, to the second: every published time is whole seconds.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_or_lease_of_zero_is_refused() {
        let parse = |args: &[&str]| Cli::try_parse_from(["cvefeed"].iter().chain(args));
        let verify = ["verify", "--key", "k.pub", "./public"];
        let cases: [(&[&str], &str); 7] = [
            (&["serve"], "--request-timeout"),
            (&["serve"], "--github-timeout"),
            (&["serve"], "--cve-record-timeout"),
            (&["serve"], "--hook-timeout"),
            (&["refresh"], "--lock-ttl"),
            (&["check"], "--feed-timeout"),
            (&verify, "--timeout"),
        ];
        for (command, flag) in cases {
            for zero in ["0", "0s", "0ms"] {
                let e = parse(&[command, &[flag, zero]].concat()).unwrap_err();
                assert_eq!(
                    e.kind(),
                    clap::error::ErrorKind::ValueValidation,
                    "{flag} {zero}: {e}"
                );
                assert!(e.to_string().contains("must be longer than zero"), "{e}");
            }
            assert!(parse(&[command, &[flag, "1s"]].concat()).is_ok(), "{flag}");
        }
    }
}
