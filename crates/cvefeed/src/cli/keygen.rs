//! `cvefeed keygen`: the output directory, one call to `keys::keygen`,
//! and the two lines that say where the keys went.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use cvefeed::keys;

/// `cvefeed keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Directory to write cvefeed.key (mode 0600) and cvefeed.pub into;
    /// created (mode 0700) if missing. Existing keys are never overwritten.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

impl KeygenArgs {
    pub(super) fn run(self) -> anyhow::Result<ExitCode> {
        let pair = keys::keygen(&self.out)?;
        println!(
            "private key: {} (keep it secret; give it to refresh with --signing-key)",
            pair.private.display()
        );
        println!(
            "public key:  {} ({})",
            pair.public.display(),
            pair.fingerprint
        );
        Ok(ExitCode::SUCCESS)
    }
}
