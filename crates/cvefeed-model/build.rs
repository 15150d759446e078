//! Fingerprints the code that decides the published bytes.
//!
//! `CVEFEED_RENDER_KEY` is a sha256 over every source file, template and
//! `Cargo.lock`. The refresh job records it in `manifest.json`; a build
//! whose key differs re-renders every object once, so a fix to a format
//! reaches the published files even when no advisory changed.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let mut inputs = Vec::new();
    for dir in ["src", "templates"] {
        println!("cargo:rerun-if-changed={dir}");
        files(Path::new(dir), &mut inputs);
    }
    println!("cargo:rerun-if-changed=Cargo.lock");
    inputs.push(PathBuf::from("Cargo.lock"));
    inputs.sort();
    let mut hasher = Sha256::new();
    for path in &inputs {
        let bytes = fs::read(path).unwrap_or_default();
        hasher.update(path.to_string_lossy().as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    let key = hex::encode(hasher.finalize());
    println!("cargo:rustc-env=CVEFEED_RENDER_KEY={key}");
}
