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
use crate::store::read::{ReadError, Signature, Signed};
use crate::store::{PutMode, Store, StoreError};
use cvefeed_model::manifest::MANIFEST;
use cvefeed_model::signature::{SIGNATURE, SIGNATURE_CONTENT_TYPE, Signer};

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
/// manifest. Both are read through the one reader ([`Signed::read`]).
/// Best effort: a failure is logged, and the next run with the key
/// repairs it (its plan finds the signature not current).
pub(super) async fn restore(store: &dyn Store, signer: &Signer) {
    let key = signer.public_key();
    let result = match Signed::read(store, Some(&key)).await {
        Ok(Some(signed)) if signed.signature == Signature::Valid => Ok(()),
        Ok(Some(signed)) => put(store, signer, &signed.bytes)
            .await
            .map_err(ReadError::from),
        Ok(None) => store.delete(SIGNATURE).await.map_err(ReadError::from),
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
