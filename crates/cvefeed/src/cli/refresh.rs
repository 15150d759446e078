//! `cvefeed refresh`: its own flags on top of the pipeline's, one call to
//! `publish::refresh`, the summary it prints and the exit status.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use cvefeed::publish;
use cvefeed::store;

use super::pipeline::{PipelineArgs, pipeline_env};
use super::{HOOKS, OUTPUT, now};

/// `cvefeed refresh --help`, after the flags.
const REFRESH_AFTER: &str = concat!(
    "\
Examples:
  cvefeed refresh --from-file examples/issues.json   # offline: publish a saved issues array to ./public
  GITHUB_TOKEN=$(gh auth token) cvefeed refresh      # the real feed from GitHub
  cvefeed refresh --out s3://bucket/cve-feed --base-url https://cve.example.org/
  cvefeed refresh --json | jq .added                  # every id, for scripts
Then open ./public/index.html, or run: cvefeed serve --out ./public

",
    pipeline_env!()
);

/// `cvefeed refresh`.
#[derive(Debug, Args)]
#[command(after_help = REFRESH_AFTER)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,

    /// Print the summary as JSON on stdout.
    #[arg(long, help_heading = OUTPUT)]
    pub json: bool,

    /// Exit with status 3 when a build hook fails (the publish stands).
    #[arg(long, help_heading = HOOKS)]
    pub strict_hooks: bool,
}

/// Exit status of `refresh` when it published but a build hook failed and
/// `--strict-hooks` was given.
const EXIT_HOOK_FAILED: u8 = 3;

impl RefreshArgs {
    pub(super) async fn run(self) -> anyhow::Result<ExitCode> {
        let out = self.pipeline.out.clone();
        let (store, config) = self.pipeline.open()?;
        let summary = publish::refresh(store.as_ref(), &config, now())
            .await
            .with_context(|| {
                format!(
                    "refresh of {} failed; nothing was published",
                    store.location()
                )
            })?;
        let line = if self.json {
            serde_json::to_string(&summary)?
        } else {
            let mut text = summary.line();
            if summary.outcome == publish::Outcome::Published && store::is_local(&out) {
                let dir = summary.location.trim_end_matches('/');
                text.push_str(&format!(
                    "\nopen {dir}/index.html in a browser, or serve it: cvefeed serve --out {dir}"
                ));
            }
            text
        };
        print_summary(&line);
        let failed = summary.failed_hooks();
        if self.strict_hooks && !failed.is_empty() {
            eprintln!(
                "error: the feed was published, but {} build hook(s) failed: {} (--strict-hooks)",
                failed.len(),
                failed.join(", ")
            );
            return Ok(ExitCode::from(EXIT_HOOK_FAILED));
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Print the summary line of a run that already ended. A closed or
/// failing stdout (`refresh --json | head -c 10`) must not change the exit
/// status of a run that published, nor panic as `println!` does: the
/// error is logged and the run's status stands.
fn print_summary(line: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        tracing::warn!(error = %e, "cannot print the summary on stdout");
    }
}
