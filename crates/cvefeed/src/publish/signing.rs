//! Part of step 4, the commit: `manifest.json.sig`, the signature of the
//! exact bytes of `manifest.json`, is one more object, written just before
//! the manifest (so no reader ever finds a manifest without its
//! signature), and, in a store that does not commit atomically (a
//! bucket), put back in step with the committed manifest when the
//! manifest write fails.
//!
//! Owns when the signature is written and repaired; the format and the
//! crypto are [`cvefeed_model::signature`]'s. Never writes a key.

use crate::error::Chain;
use crate::store::{PutMode, Store, StoreError};
use cvefeed_model::manifest::MANIFEST;
use cvefeed_model::signature::{SIGNATURE, SIGNATURE_CONTENT_TYPE, Signer};

/// Whether the published signature is the one `signer` gives the published
/// manifest (`manifest`: its bytes, `None` before the first publish, when
/// the publish signs anyway). Without a signer there is nothing to keep
/// current.
pub(super) async fn is_current(
    store: &dyn Store,
    signer: Option<&Signer>,
    manifest: Option<&[u8]>,
) -> Result<bool, StoreError> {
    let (Some(signer), Some(manifest)) = (signer, manifest) else {
        return Ok(true);
    };
    Ok(store
        .get(SIGNATURE)
        .await?
        .is_some_and(|sig| signer.public_key().verify(manifest, &sig.bytes).is_ok()))
}

/// Write the signature of `manifest` (the bytes about to be committed).
pub(super) async fn put(
    store: &dyn Store,
    signer: &Signer,
    manifest: &[u8],
) -> Result<(), StoreError> {
    store
        .put(
            SIGNATURE,
            signer.sign(manifest),
            SIGNATURE_CONTENT_TYPE,
            PutMode::Overwrite,
        )
        .await
}

/// After a failed commit to a store that does not commit atomically
/// ([`Store::commits_atomically`]): sign the manifest that is committed,
/// unless its signature is still the published one (signing is
/// deterministic, so for the manifest this run replaced that is the very
/// signature it overwrote), or remove the signature if there is no
/// manifest. Best effort: a failure is logged, and the next run with the
/// key repairs it ([`is_current`]).
pub(super) async fn restore(store: &dyn Store, signer: &Signer) {
    let result = match store.get(MANIFEST).await {
        Ok(Some(manifest)) => match is_current(store, Some(signer), Some(&manifest.bytes)).await {
            Ok(true) => Ok(()),
            _ => put(store, signer, &manifest.bytes).await,
        },
        Ok(None) => store.delete(SIGNATURE).await,
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        tracing::warn!(
            error = %Chain(&e),
            "could not put {SIGNATURE} back in step with the committed {MANIFEST}; the next run \
             with the signing key repairs it"
        );
    }
}
