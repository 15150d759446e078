//! `cvefeed verify`: its flags mapped onto `VerifyOptions`, one call to
//! `verify::verify`, the report printed and its exit status.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use cvefeed::keys;
use cvefeed::store;
use cvefeed::verify;

use super::values::{KeyValue, bucket_config, parse_duration, parse_key_value, parse_timeout};

/// `cvefeed verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The pinned public key (PEM), from a trusted channel.
    #[arg(long, value_name = "PUB")]
    pub key: PathBuf,

    /// The publication: a directory, file:///path, a bucket
    /// (gs://, s3://, az://) or the http(s) URL of the published directory.
    #[arg(value_name = "LOCATION")]
    pub location: String,

    /// Accept a publication without manifest.json.sig (its objects are
    /// still checked against the manifest).
    #[arg(long)]
    pub allow_unsigned: bool,

    /// Bucket client setting KEY=VALUE (repeatable), as for refresh.
    #[arg(long = "out-option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub out_options: Vec<KeyValue>,

    /// Readings before a mismatch is reported (a publish in flight can
    /// show one for a moment).
    #[arg(long, default_value_t = 3)]
    pub attempts: u32,

    /// Pause between readings.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub retry_delay: Duration,

    /// Timeout of one HTTP request.
    #[arg(long, default_value = "30s", value_parser = parse_timeout)]
    pub timeout: Duration,
}

impl VerifyArgs {
    pub(super) async fn run(self) -> anyhow::Result<ExitCode> {
        let key = keys::read_public_key(&self.key)?;
        let options = store::OpenOptions {
            config: bucket_config(&self.out_options),
            ..store::OpenOptions::default()
        };
        let location = store::open_for_reading(&self.location, &options, self.timeout)
            .map_err(verify::VerifyError::from)?;
        let report = verify::verify(
            &*location,
            &verify::VerifyOptions {
                key,
                allow_unsigned: self.allow_unsigned,
                attempts: self.attempts,
                retry_delay: self.retry_delay,
            },
        )
        .await
        .with_context(|| format!("cannot verify {}", location.location()))?;
        for line in report.lines() {
            println!("{line}");
        }
        Ok(ExitCode::from(report.exit_status()))
    }
}
