//! The CPU cost of a signature, without the noise of a whole publish: what
//! a signed refresh adds is one signature of the new manifest and one
//! verification of the published one. Timed over manifests of the sizes
//! the real data (about 30 KB) and 10,000 items (about 3.5 MB) give, as
//! medians of many runs, next to a SHA-256 of the same bytes (the floor
//! any signature pays).
//!
//! Run with `cargo bench -p cvefeed-model --bench sign`;
//! `bench/sign_bench.py` times whole publishes with and without a key.

use std::hint::black_box;
use std::time::{Duration, Instant};

use cvefeed_model::signature::Signer;
use sha2::{Digest, Sha256};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(reps: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..reps)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    // A throwaway key made for this benchmark (the cost does not depend on
    // the key); it signs nothing real.
    let pem = "-----BEGIN PRIVATE KEY-----\n\
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgkEhxcsZAxrqfT/hr\n\
        lqAA1eFjsl2RLkH4YFjU6MpcBV+hRANCAASlu5xEF2ri4pXPCG2XOeknSggF0l3J\n\
        MouFvtHmRgrhGMnkvO1pDvLDwGTkrp2Rie4LPMOhQO0J/qpZn+0z/cjs\n\
        -----END PRIVATE KEY-----\n";
    let signer = Signer::from_pkcs8_pem(pem).expect("the bench key parses");
    let public = signer.public_key();
    println!(
        "{:<10} {:>10} {:>10} {:>10} {:>10}",
        "manifest", "sha256", "sign", "verify", "sign+verify"
    );
    for (name, size) in [("30 KB", 30_000), ("3.5 MB", 3_500_000)] {
        let manifest: Vec<u8> = (0..size).map(|i| b"{}\"abc0123456789\n"[i % 17]).collect();
        let reps = if size > 1_000_000 { 41 } else { 401 };
        let hash = time(reps, || {
            black_box(Sha256::digest(black_box(&manifest)));
        });
        let sig = signer.sign(&manifest);
        let sign = time(reps, || {
            black_box(signer.sign(black_box(&manifest)));
        });
        let verify = time(reps, || {
            public
                .verify(black_box(&manifest), black_box(&sig))
                .expect("the signature verifies");
        });
        println!(
            "{name:<10} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>8.2}ms",
            ms(hash),
            ms(sign),
            ms(verify),
            ms(sign + verify)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
