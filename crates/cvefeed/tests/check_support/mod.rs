//! Running the `cvefeed check` binary in a test: its exit code and output,
//! and the assertions made on a run: that it refused a usage error with a
//! message, that it found something affected (its JSON or SARIF read
//! back), and that its stdout says a given text.

use std::path::Path;

use serde::de::DeserializeOwned;

/// What one run of `cvefeed check` gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The run was refused as a usage error (exit 2), saying `message`.
    #[track_caller]
    pub fn assert_refused(&self, message: &str) {
        assert_eq!(self.code, 2, "{}", self.stderr);
        assert!(self.stderr.contains(message), "{}", self.stderr);
    }

    /// The run found something affected (exit 1); its stdout, read as JSON
    /// (`--format json` or `--format sarif`).
    #[track_caller]
    pub fn affected_json<T: DeserializeOwned>(&self) -> T {
        assert_eq!(self.code, 1, "{}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap()
    }

    /// The run's stdout contains `text`.
    #[track_caller]
    pub fn assert_stdout_contains(&self, text: &str) {
        assert!(
            self.stdout.contains(text),
            "{text:?} is not in:\n{}",
            self.stdout
        );
    }
}

/// Run `cvefeed check ARGS` with its feed cache in `cache`.
pub async fn run_in(cache: &Path, args: &[&str]) -> Run {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_cvefeed"))
        .arg("check")
        .args(args)
        .env("CVEFEED_CACHE_DIR", cache)
        .output()
        .await
        .unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Run `cvefeed check ARGS` with a cache of its own.
pub async fn run(args: &[&str]) -> Run {
    let cache = tempfile::tempdir().unwrap();
    run_in(cache.path(), args).await
}
