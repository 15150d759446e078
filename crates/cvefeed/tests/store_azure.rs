//! Publishing to Azure Blob Storage against Azurite on loopback (started
//! by scripts/services.d/azure.sh, which exports its blob URL as
//! `AZURITE_BLOB_STORAGE_URL` and creates the container
//! `CVEFEED_TEST_AZURE_CONTAINER`): the same checks as the S3 tests against
//! moto. Azurite honours `If-None-Match: *` and `If-Match`, so the lease
//! and the manifest's compare-and-swap hold and eight racing refreshers
//! publish each version once.
//!
//! These tests are `#[ignore]`d: they need the emulator. `bash
//! scripts/test.sh` starts it and runs them (`--include-ignored`).

#[path = "store_support/conformance.rs"]
mod conformance;
#[path = "store_support/fixtures.rs"]
mod fixtures;
#[path = "store_support/server.rs"]
mod server;

use std::sync::Arc;

use conformance::{Emulator, Listing, Preconditions};
use object_store::azure::MicrosoftAzureBuilder;

const URL_VAR: &str = "AZURITE_BLOB_STORAGE_URL";
const CONTAINER_VAR: &str = "CVEFEED_TEST_AZURE_CONTAINER";

/// Azurite, through the builder's emulator mode: the well-known account
/// `devstoreaccount1` and its public development key, at the URL that
/// `AZURITE_BLOB_STORAGE_URL` names.
fn azurite() -> Emulator {
    server::server_var(URL_VAR, "azure.sh");
    let container = server::server_var(CONTAINER_VAR, "azure.sh");
    let raw = MicrosoftAzureBuilder::new()
        .with_use_emulator(true)
        .with_container_name(&container)
        .build()
        .unwrap();
    Emulator {
        root: format!("az://{container}"),
        options: vec![("azure_storage_use_emulator".into(), "true".into())],
        raw: Arc::new(raw),
        keeps_cache_control: true,
        listing: Listing::ObjectStore,
    }
}

#[test]
fn ci_provides_azurite() {
    server::require_in_ci(URL_VAR, "azure.sh");
}

#[tokio::test]
#[ignore = "needs the Azurite test server"]
async fn publish_reads_back_every_object_with_its_type() {
    conformance::publish_reads_back_every_object(&azurite()).await;
}

#[tokio::test]
#[ignore = "needs the Azurite test server"]
async fn an_unchanged_run_writes_only_status() {
    conformance::unchanged_run_writes_only_status(&azurite()).await;
}

#[tokio::test]
#[ignore = "needs the Azurite test server"]
async fn conditional_writes_are_honoured() {
    assert_eq!(
        conformance::preconditions(&azurite()).await,
        Preconditions::HONOURED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs the Azurite test server"]
async fn eight_refreshers_at_once_publish_each_version_exactly_once() {
    let published = conformance::eight_refreshers_stay_consistent(&azurite()).await;
    assert_eq!(
        published,
        [1, 1],
        "exactly one refresher publishes each round"
    );
}
