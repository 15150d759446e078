//! Signatures over the exact bytes of `manifest.json`, in cosign's
//! `sign-blob` format with a key: ECDSA P-256 over SHA-256, the signature
//! DER-encoded, then base64 (no line break). The private key is a PKCS#8
//! PEM, the public key a SubjectPublicKeyInfo PEM, so the same files work
//! with `cosign verify-blob --key` and `openssl dgst -sha256 -verify`.
//!
//! Signing is deterministic (RFC 6979): the same key and bytes give the
//! same signature, so re-signing an unchanged manifest restores exactly the
//! signature that was published for it.
//!
//! Owns the key and signature formats and the crypto (RustCrypto `p256`,
//! pure Rust); reads no file and no clock. Where keys come from, and where
//! signatures go, is the caller's business. A key never appears in `Debug`
//! output or in an error message.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{DerSignature, Signature as EcdsaSignature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use p256::elliptic_curve::rand_core::CryptoRng;
use p256::elliptic_curve::zeroize::Zeroizing;
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use sha2::{Digest, Sha256};

/// Name of the signature object: the signature of `manifest.json`.
pub const SIGNATURE: &str = "manifest.json.sig";

/// Name of the public key object, published with `--publish-public-key`.
pub const PUBLIC_KEY: &str = "cvefeed.pub";

/// Content type of [`SIGNATURE`] (base64 text).
pub const SIGNATURE_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// Content type of [`PUBLIC_KEY`] (a PEM file).
pub const PUBLIC_KEY_CONTENT_TYPE: &str = "application/x-pem-file";

/// Why a key cannot be read. The key's text is never part of the message.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not a PKCS#8 PEM private key on P-256.
    #[error(
        "it is not an unencrypted PKCS#8 PEM private key for ECDSA P-256 (`cvefeed keygen` writes \
         one; convert a SEC1 `EC PRIVATE KEY` with `openssl pkcs8 -topk8 -nocrypt`)"
    )]
    Private(#[source] p256::pkcs8::Error),
    /// Not a PEM public key on P-256.
    #[error("it is not a PEM public key (SubjectPublicKeyInfo) for ECDSA P-256")]
    Public(#[source] p256::pkcs8::spki::Error),
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature file is not base64.
    #[error("the signature is not base64")]
    NotBase64,
    /// The decoded signature is not a DER ECDSA signature.
    #[error("the signature is not a DER-encoded ECDSA signature")]
    NotDer,
    /// Well-formed, but not made by this key over these bytes.
    #[error("the signature was not made by this key over these bytes")]
    Mismatch,
}

/// A private signing key. Its `Debug` shows only the public key's
/// fingerprint.
#[derive(Clone)]
pub struct Signer(SigningKey);

impl Signer {
    /// Read a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Signer, KeyError> {
        SigningKey::from_pkcs8_pem(pem)
            .map(Signer)
            .map_err(KeyError::Private)
    }

    /// A new random key from `rng`.
    pub fn generate(rng: &mut impl CryptoRng) -> Signer {
        Signer(SigningKey::generate_from_rng(rng))
    }

    /// The private key as PKCS#8 PEM, for `cvefeed keygen` to write with
    /// safe permissions; zeroed when dropped.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        self.0
            .to_pkcs8_pem(LineEnding::LF)
            .expect("a P-256 key encodes as PKCS#8")
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(*self.0.verifying_key())
    }

    /// The signature file of `bytes`: base64 of the DER signature over
    /// their SHA-256, without a line break, as `cosign sign-blob` writes it.
    pub fn sign(&self, bytes: &[u8]) -> Vec<u8> {
        let signature: EcdsaSignature = self.0.sign(bytes);
        STANDARD.encode(signature.to_der().as_bytes()).into_bytes()
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Signer(private key of {})",
            self.public_key().fingerprint()
        )
    }
}

/// A public key, to verify signatures with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Read a PEM public key (`-----BEGIN PUBLIC KEY-----`), as
    /// `cvefeed keygen`, cosign and `openssl pkey -pubout` write it.
    pub fn from_pem(pem: &str) -> Result<PublicKey, KeyError> {
        VerifyingKey::from_public_key_pem(pem)
            .map(PublicKey)
            .map_err(KeyError::Public)
    }

    /// The key as PEM, newline-ended.
    pub fn to_pem(&self) -> String {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .expect("a P-256 key encodes as SubjectPublicKeyInfo")
    }

    /// `sha256:` and the hex SHA-256 of the key's DER encoding: how logs
    /// and reports name a key.
    pub fn fingerprint(&self) -> String {
        let der = self
            .0
            .to_public_key_der()
            .expect("a P-256 key encodes as SubjectPublicKeyInfo");
        format!("sha256:{}", hex::encode(Sha256::digest(der.as_bytes())))
    }

    /// Check a signature file (base64 of a DER signature; surrounding
    /// white space, such as a final newline, is ignored) over `bytes`.
    pub fn verify(&self, bytes: &[u8], signature_file: &[u8]) -> Result<(), SignatureError> {
        let text = signature_file.trim_ascii();
        let der = STANDARD
            .decode(text)
            .map_err(|_| SignatureError::NotBase64)?;
        let signature = DerSignature::from_bytes(&der).map_err(|_| SignatureError::NotDer)?;
        self.0
            .verify(bytes, &signature)
            .map_err(|_| SignatureError::Mismatch)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.fingerprint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed key, so that the tests need no random numbers.
    fn key(seed: u8) -> Signer {
        Signer(SigningKey::from_slice(&[seed; 32]).unwrap())
    }

    #[test]
    fn sign_and_verify_round_trip_through_pem() {
        let signer = Signer::from_pkcs8_pem(&key(7).to_pkcs8_pem()).unwrap();
        let public = PublicKey::from_pem(&signer.public_key().to_pem()).unwrap();
        let sig = signer.sign(b"{\"manifest\":1}\n");
        assert!(
            !sig.contains(&b'\n'),
            "one base64 line, as cosign writes it"
        );
        assert_eq!(public.verify(b"{\"manifest\":1}\n", &sig), Ok(()));
        // A final newline (as `base64` adds) is accepted.
        let mut with_newline = sig.clone();
        with_newline.push(b'\n');
        assert_eq!(public.verify(b"{\"manifest\":1}\n", &with_newline), Ok(()));
        // Deterministic: re-signing restores the same bytes.
        assert_eq!(signer.sign(b"{\"manifest\":1}\n"), sig);
    }

    #[test]
    fn another_key_or_another_byte_fails() {
        let sig = key(7).sign(b"manifest");
        assert_eq!(
            key(8).public_key().verify(b"manifest", &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            key(7).public_key().verify(b"manifesT", &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            key(7).public_key().verify(b"manifest", b"%%%"),
            Err(SignatureError::NotBase64)
        );
        assert_eq!(
            key(7).public_key().verify(b"manifest", b"aGVsbG8="),
            Err(SignatureError::NotDer)
        );
    }

    #[test]
    fn keys_are_checked_and_never_shown() {
        let pem = key(7).to_pkcs8_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let shown = format!("{:?}", key(7));
        assert!(
            shown.starts_with("Signer(private key of sha256:"),
            "{shown}"
        );
        assert!(!shown.contains("PRIVATE"), "{shown}");
        let public_pem = key(7).public_key().to_pem();
        assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        let e = Signer::from_pkcs8_pem(&public_pem).unwrap_err().to_string();
        assert!(e.contains("PKCS#8 PEM private key"), "{e}");
        assert!(
            PublicKey::from_pem(&pem).is_err(),
            "a private key is not a public key"
        );
        assert!(PublicKey::from_pem("garbage").is_err());
    }
}
