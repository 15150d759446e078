//! `cvefeed serve`: its flags mapped onto `ServeOptions`, the webhook
//! secret, the listener and the shutdown signals; serving is `serve::run`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use cvefeed::serve;

use super::SERVING;
use super::pipeline::{PipelineArgs, pipeline_env};
use super::values::{parse_duration, parse_timeout};

/// `cvefeed serve --help`, after the flags.
const SERVE_AFTER: &str = concat!(
    "\
Examples:
  cvefeed serve --out ./public                        # http://127.0.0.1:8080/, refreshed every 10m
  cvefeed serve --from-file issues.json --refresh-interval 0 --out ./public
  CVEFEED_WEBHOOK_SECRET=... cvefeed serve --listen 0.0.0.0:8080 --base-url https://cve.example.org/

",
    pipeline_env!(),
    "\n  CVEFEED_LISTEN           --listen
  CVEFEED_WEBHOOK_SECRET   the webhook secret (prefer --webhook-secret-file; never logged)"
);

/// `cvefeed serve`.
#[derive(Debug, Args)]
#[command(after_help = SERVE_AFTER)]
pub struct ServeArgs {
    /// Address to listen on (use 127.0.0.1:0 for any free port; the bound
    /// address is printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080", env = "CVEFEED_LISTEN", help_heading = SERVING)]
    pub listen: String,

    /// Time between scheduled refreshes, jittered by ±10%; 0 turns them off.
    #[arg(long, default_value = "10m", value_parser = parse_duration, help_heading = SERVING)]
    pub refresh_interval: Duration,

    /// Time between reloads of the published set from --out (to pick up
    /// other writers); 0 turns them off.
    #[arg(long, default_value = "30s", value_parser = parse_duration, help_heading = SERVING)]
    pub reload_interval: Duration,

    /// /readyz?strict fails when the last successful refresh is older (plain
    /// /readyz only needs a loaded feed, whatever its age); 0 disables.
    #[arg(long, default_value = "1h", value_parser = parse_duration, help_heading = SERVING)]
    pub max_staleness: Duration,

    /// File holding the GitHub webhook secret; enables POST /hooks/github.
    #[arg(long, value_name = "PATH", help_heading = SERVING)]
    pub webhook_secret_file: Option<PathBuf>,

    /// The webhook secret itself (prefer the file). Never logged.
    #[arg(
        long,
        env = "CVEFEED_WEBHOOK_SECRET",
        hide_env_values = true,
        hide = true, help_heading = SERVING)]
    pub webhook_secret: Option<String>,

    /// A webhook-triggered refresh starts after this much quiet...
    #[arg(long, default_value = "1s", value_parser = parse_duration, help_heading = SERVING)]
    pub webhook_debounce: Duration,

    /// ...or at the latest this long after the first delivery of a burst.
    #[arg(long, default_value = "3s", value_parser = parse_duration, help_heading = SERVING)]
    pub webhook_max_delay: Duration,

    /// Cache-Control max-age of published objects (status.json: no-cache).
    #[arg(long, default_value = "60s", value_parser = parse_duration, help_heading = SERVING)]
    pub cache_max_age: Duration,

    /// Longest time one request may take (answered 408 after).
    #[arg(long, default_value = "30s", value_parser = parse_timeout, help_heading = SERVING)]
    pub request_timeout: Duration,

    /// On SIGTERM, longest wait for in-flight requests.
    #[arg(long, default_value = "30s", value_parser = parse_duration, help_heading = SERVING)]
    pub shutdown_timeout: Duration,

    // The pipeline's flags come after serve's own, in --help too.
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

impl ServeArgs {
    fn secret(&self) -> anyhow::Result<Option<serve::webhook::Secret>> {
        Ok(match &self.webhook_secret_file {
            Some(path) => Some(serve::webhook::Secret::read(path)?),
            None => self
                .webhook_secret
                .as_deref()
                .and_then(serve::webhook::Secret::new),
        })
    }

    pub(super) async fn run(self) -> anyhow::Result<ExitCode> {
        let webhook_secret = self.secret()?;
        if webhook_secret.is_none() {
            tracing::info!("no webhook secret configured: POST /hooks/github answers 404");
        }
        let options = serve::ServeOptions {
            refresh_interval: self.refresh_interval,
            reload_interval: self.reload_interval,
            max_staleness: self.max_staleness,
            debounce_quiet: self.webhook_debounce,
            debounce_max: self.webhook_max_delay,
            cache_max_age: self.cache_max_age,
            request_timeout: self.request_timeout,
            shutdown_timeout: self.shutdown_timeout,
            webhook_secret,
            ..serve::ServeOptions::default()
        };
        let (store, config) = self.pipeline.open()?;
        let app = Arc::new(serve::App::new(Arc::from(store), config, options));
        let listener = serve::bind(&self.listen).await?;
        let addr = listener.local_addr().context("reading the bound address")?;
        tracing::info!(%addr, "listening");
        println!("listening on http://{addr}");
        std::io::stdout().flush().context("writing to stdout")?;
        serve::run(app, listener, shutdown_signal()).await?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C received"),
        _ = term => tracing::info!("SIGTERM received"),
    }
}
