//! Signed publications: `refresh --signing-key` writes `manifest.json.sig`
//! just before the manifest and keeps it in step with it (even when the
//! manifest write fails), `cvefeed keygen` writes a usable pair, and
//! `cvefeed verify` (a directory, a URL, one with a password in it, the
//! S3 test server) and
//! `cvefeed check --verify-key` accept exactly what the key signed.
//! (`openssl` verifying the same files is `scripts/checks/signature.sh`.)

#[path = "store_support/faulty.rs"]
mod faulty;
#[path = "store_support/fixtures.rs"]
mod fixtures;
#[path = "store_support/s3.rs"]
mod s3;
#[path = "store_support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::Utc;
use cvefeed::publish::{self, Outcome, RefreshConfig, Trust};
use cvefeed::serve::state::Current;
use cvefeed::store::{LocalStore, PutMode, Store};
use cvefeed_model::manifest::MANIFEST;
use cvefeed_model::signature::{PUBLIC_KEY, SIGNATURE, Signer};
use wiremock::{Mock, MockBuilder, MockServer, Request, Respond, ResponseTemplate};

use faulty::{Fault, FaultyStore};

fn cvefeed() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cvefeed"));
    cmd.env_remove("GITHUB_TOKEN")
        .env_remove("CVEFEED_OUT")
        .env_remove("CVEFEED_SIGNING_KEY_FILE")
        .env("RUST_LOG", "warn");
    cmd
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// A new key pair in `dir` (through the library; the CLI is tested below).
fn key_pair(dir: &Path) -> (Signer, PathBuf) {
    let pair = cvefeed::keys::keygen(dir).unwrap();
    let signer = cvefeed::keys::read_signing_key(&pair.private).unwrap();
    (signer, pair.public)
}

fn signed(config: RefreshConfig, signer: &Signer) -> RefreshConfig {
    RefreshConfig {
        trust: Trust {
            signer: Some(signer.clone()),
            ..Trust::default()
        },
        ..config
    }
}

/// A work directory with a key pair and two fixture issues, and a signed
/// refresh of them into `out()`.
struct Setup {
    dir: tempfile::TempDir,
    signer: Signer,
    public: PathBuf,
    issues: PathBuf,
    config: RefreshConfig,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let (signer, public) = key_pair(&dir.path().join("keys"));
        let issues = dir.path().join("issues.json");
        fixtures::write_issues(&issues, 2);
        let config = signed(fixtures::config(&issues), &signer);
        Setup {
            dir,
            signer,
            public,
            issues,
            config,
        }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// The signature verifies the manifest.
    fn assert_valid(&self, (sig, manifest): &(Vec<u8>, Vec<u8>)) {
        assert_eq!(self.signer.public_key().verify(manifest, sig), Ok(()));
    }
}

/// Signature and manifest as a reader sees them: the signature first.
async fn read_pair(store: &dyn Store) -> (Vec<u8>, Vec<u8>) {
    let sig = store.get(SIGNATURE).await.unwrap().expect("a signature");
    let manifest = store.get(MANIFEST).await.unwrap().expect("a manifest");
    (sig.bytes, manifest.bytes)
}

#[tokio::test]
async fn the_signature_is_written_just_before_the_manifest_and_verifies() {
    let t = Setup::new();
    let store = LocalStore::new(t.out());
    let summary = publish::refresh(&store, &t.config, Utc::now())
        .await
        .unwrap();
    let n = summary.written.len();
    assert_eq!(summary.written[n - 2..], [SIGNATURE, MANIFEST]);
    let pair = read_pair(&store).await;
    t.assert_valid(&pair);
    let listed: serde_json::Value = serde_json::from_slice(&pair.1).unwrap();
    assert!(
        listed["objects"].get(SIGNATURE).is_none(),
        "a manifest cannot list its signature"
    );
    assert!(
        listed["objects"].get(PUBLIC_KEY).is_none(),
        "published only on request"
    );
}

#[tokio::test]
async fn a_failure_between_the_signature_and_the_manifest_leaves_the_old_pair() {
    let t = Setup::new();
    let store = FaultyStore::new(&t.out());
    publish::refresh(&store, &t.config, Utc::now())
        .await
        .unwrap();
    let old = read_pair(&store).await;

    // The new signature is written, then the manifest write fails.
    fixtures::write_issues(&t.issues, 3);
    store.arm(Fault::FailManifest);
    assert!(
        publish::refresh(&store, &t.config, Utc::now())
            .await
            .is_err()
    );
    let now = read_pair(&store).await;
    assert_eq!(now.1, old.1, "the old manifest stays");
    assert_eq!(now.0, old.0, "and so does its signature");
    t.assert_valid(&now);

    // The next run publishes the new pair.
    publish::refresh(&store, &t.config, Utc::now())
        .await
        .unwrap();
    let new = read_pair(&store).await;
    assert_ne!(new.1, old.1);
    assert_ne!(new.0, old.0);
    t.assert_valid(&new);
}

#[tokio::test]
async fn a_stale_signature_is_repaired_even_when_nothing_changed() {
    let t = Setup::new();
    let store = LocalStore::new(t.out());
    let config = &t.config;
    publish::refresh(&store, config, Utc::now()).await.unwrap();

    // As a crash between the two writes leaves it: a signature of a
    // manifest that was never committed.
    store
        .put(
            SIGNATURE,
            t.signer.sign(b"{}"),
            "text/plain",
            PutMode::Overwrite,
        )
        .await
        .unwrap();
    let repaired = publish::refresh(&store, config, Utc::now()).await.unwrap();
    assert_eq!(repaired.outcome, Outcome::Published);
    assert!(repaired.changes.is_empty());
    t.assert_valid(&read_pair(&store).await);
    let quiet = publish::refresh(&store, config, Utc::now()).await.unwrap();
    assert_eq!(quiet.outcome, Outcome::Unchanged);
}

#[tokio::test]
async fn signing_can_be_turned_on_and_off_and_the_public_key_published() {
    let t = Setup::new();
    let issues = &t.issues;
    let store = LocalStore::new(t.out());
    publish::refresh(&store, &fixtures::config(issues), Utc::now())
        .await
        .unwrap();
    assert!(store.get(SIGNATURE).await.unwrap().is_none());

    // Turned on, with the public key: the same content gets signed.
    let mut config = t.config.clone();
    config.trust.publish_public_key = true;
    let summary = publish::refresh(&store, &config, Utc::now()).await.unwrap();
    assert_eq!(summary.outcome, Outcome::Published);
    let pair = read_pair(&store).await;
    t.assert_valid(&pair);
    let published = store.get(PUBLIC_KEY).await.unwrap().unwrap().bytes;
    assert_eq!(published, std::fs::read(&t.public).unwrap());
    let listed: serde_json::Value = serde_json::from_slice(&pair.1).unwrap();
    assert_eq!(
        listed["objects"][PUBLIC_KEY]["content_type"],
        "application/x-pem-file"
    );

    // Turned off: an unsigned publication carries no stale signature.
    fixtures::write_issues(issues, 3);
    publish::refresh(&store, &fixtures::config(issues), Utc::now())
        .await
        .unwrap();
    assert!(store.get(SIGNATURE).await.unwrap().is_none());
    assert!(store.get(PUBLIC_KEY).await.unwrap().is_none());
}

#[tokio::test]
async fn serve_serves_the_signature_with_the_manifest() {
    let t = Setup::new();
    let store = LocalStore::new(t.out());
    let mut config = t.config.clone();
    config.trust.publish_public_key = true;
    publish::refresh(&store, &config, Utc::now()).await.unwrap();
    let current = Current::default();
    current.reload(&store).await.unwrap();
    let set = current.get().unwrap();
    let (sig, _) = read_pair(&store).await;
    assert_eq!(set.get(SIGNATURE).unwrap().identity.bytes.to_vec(), sig);
    assert!(set.get(PUBLIC_KEY).is_some());
    assert!(set.get("changes.xml").is_some());
}

/// A published, signed directory made with the CLI, with precompressed
/// siblings: (out, private key, public key).
fn publish_with_cli(work: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let keys = work.join("keys");
    let keygen = cvefeed()
        .args(["keygen", "--out"])
        .arg(&keys)
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{}", text(&keygen.stderr));
    let stdout = text(&keygen.stdout);
    assert!(stdout.contains("cvefeed.pub (sha256:"), "{stdout}");
    let issues = work.join("issues.json");
    fixtures::write_issues(&issues, 3);
    let out = work.join("out");
    let refresh = cvefeed()
        .args([
            "refresh",
            "--publish-public-key",
            "--precompress",
            "--from-file",
        ])
        .arg(&issues)
        .arg("--out")
        .arg(&out)
        .env("CVEFEED_SIGNING_KEY_FILE", keys.join("cvefeed.key"))
        .output()
        .unwrap();
    assert!(refresh.status.success(), "{}", text(&refresh.stderr));
    (out, keys.join("cvefeed.key"), keys.join("cvefeed.pub"))
}

fn verify(key: &Path, location: &str, extra: &[&str]) -> Output {
    cvefeed()
        .args(["verify", "--attempts", "1", "--key"])
        .arg(key)
        .args(extra)
        .arg(location)
        .output()
        .unwrap()
}

/// [`verify`] from async code (the servers run on this runtime).
async fn verify_async(key: &Path, location: &str, extra: &[String]) -> Output {
    let (key, location, extra) = (key.to_path_buf(), location.to_string(), extra.to_vec());
    tokio::task::spawn_blocking(move || {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        verify(&key, &location, &extra)
    })
    .await
    .unwrap()
}

/// The exit status is `code`; otherwise show what the command said.
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// [`verify`], which must exit with `code` (see [`assert_exit`]).
fn verify_exits(key: &Path, location: &str, extra: &[&str], code: i32) -> Output {
    let output = verify(key, location, extra);
    assert_exit(&output, code);
    output
}

#[test]
fn verify_accepts_the_publication_and_names_each_changed_object() {
    let work = tempfile::tempdir().unwrap();
    let (out, _, public) = publish_with_cli(work.path());
    let location = out.to_str().unwrap();
    let stdout = text(&verify_exits(&public, location, &[], 0).stdout);
    assert!(
        stdout.starts_with(&format!("intact: {location}: signature valid (key sha256:")),
        "{stdout}"
    );

    for name in [
        "index.json",
        "osv/CVE-2031-1001.json",
        "osv/all.zip",
        "changes.xml",
        "changes.xml.gz",
        PUBLIC_KEY,
        MANIFEST,
    ] {
        let path = out.join(name);
        let original = std::fs::read(&path).unwrap();
        let mut changed = original.clone();
        let last = changed.len() - 2;
        changed[last] ^= 0x20;
        std::fs::write(&path, &changed).unwrap();
        let bad = verify(&public, location, &[]);
        assert_eq!(bad.status.code(), Some(1), "{name}: {}", text(&bad.stderr));
        let stdout = text(&bad.stdout);
        assert!(
            stdout.contains(&format!("FAIL {name}: ")),
            "{name}: {stdout}"
        );
        assert!(stdout.contains("mismatch: "), "{stdout}");
        std::fs::write(&path, &original).unwrap();
    }
    let removed = out.join("osv/CVE-2031-1002.json");
    std::fs::remove_file(&removed).unwrap();
    let bad = verify_exits(&public, location, &[], 1);
    assert!(text(&bad.stdout).contains("FAIL osv/CVE-2031-1002.json: missing"));
}

#[test]
fn another_key_fails_and_a_missing_signature_needs_allow_unsigned() {
    let work = tempfile::tempdir().unwrap();
    let (out, _, _) = publish_with_cli(work.path());
    let location = out.to_str().unwrap();
    let other = cvefeed::keys::keygen(&work.path().join("other")).unwrap();
    let stdout = text(&verify_exits(&other.public, location, &[], 1).stdout);
    assert!(
        stdout.contains("FAIL manifest.json: the signature was not made by this key"),
        "{stdout}"
    );

    std::fs::remove_file(out.join(SIGNATURE)).unwrap();
    let unsigned = verify_exits(&other.public, location, &[], 1);
    assert!(text(&unsigned.stdout).contains("FAIL manifest.json.sig: missing"));
    let allowed = verify_exits(&other.public, location, &["--allow-unsigned"], 0);
    assert!(text(&allowed.stdout).contains("intact: "));
}

#[test]
fn verify_exits_2_when_it_cannot_verify() {
    let work = tempfile::tempdir().unwrap();
    let (_, _, public) = publish_with_cli(work.path());
    let empty = work.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let nothing = verify_exits(&public, empty.to_str().unwrap(), &[], 2);
    assert!(text(&nothing.stderr).contains("no manifest.json: nothing is published there"));
    let absent = work.path().join("absent.pub");
    let no_key = verify_exits(&absent, empty.to_str().unwrap(), &[], 2);
    assert!(text(&no_key.stderr).contains("absent.pub"));
}

#[tokio::test]
async fn an_unusable_signing_key_stops_the_run_before_github_is_asked() {
    let github = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .expect(0)
        .mount(&github)
        .await;
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    let run = |key: PathBuf| {
        cvefeed()
            .args(["refresh", "--github-api-url", &github.uri(), "--out"])
            .arg(&out)
            .arg("--signing-key")
            .arg(key)
            .output()
            .unwrap()
    };
    let missing = run(work.path().join("missing.key"));
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("cannot read the key file"),
        "{}",
        text(&missing.stderr)
    );
    let public = cvefeed::keys::keygen(&work.path().join("keys"))
        .unwrap()
        .public;
    let wrong = run(public);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        text(&wrong.stderr).contains("PKCS#8"),
        "{}",
        text(&wrong.stderr)
    );
    // A key inside the published directory is refused.
    let inside = cvefeed::keys::keygen(&out.join("secret")).unwrap().private;
    let refused = run(inside);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("inside the published directory"));
    assert!(!out.join(MANIFEST).exists());
    github.verify().await;
}

#[test]
fn the_private_key_never_reaches_the_logs_or_the_store() {
    let work = tempfile::tempdir().unwrap();
    let (out, private, _) = publish_with_cli(work.path());
    let pem = std::fs::read_to_string(&private).unwrap();
    let secret_line = pem.lines().nth(1).unwrap().to_string();
    let issues = work.path().join("issues.json");
    fixtures::write_issues(&issues, 4);
    let run = cvefeed()
        .env("RUST_LOG", "trace")
        .args(["refresh", "--json", "--from-file"])
        .arg(&issues)
        .arg("--out")
        .arg(&out)
        .arg("--signing-key")
        .arg(&private)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    for output in [text(&run.stdout), text(&run.stderr)] {
        assert!(!output.contains(&secret_line));
        assert!(!output.contains("PRIVATE KEY"));
    }
    for entry in walk(&out) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&secret_line),
            "{}",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Serves the files of a directory, read at request time.
struct Files(PathBuf);

impl Respond for Files {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let name = request.url.path().trim_start_matches('/');
        match std::fs::read(self.0.join(name)) {
            Ok(bytes) if !name.contains("..") => ResponseTemplate::new(200).set_body_bytes(bytes),
            _ => ResponseTemplate::new(404),
        }
    }
}

/// A publication made with the CLI in `work`, served over HTTP to the
/// requests `get` matches: (server, out, public key).
async fn serve_with_cli(work: &Path, get: MockBuilder) -> (MockServer, PathBuf, PathBuf) {
    let (out, _, public) = publish_with_cli(work);
    let server = MockServer::start().await;
    get.respond_with(Files(out.clone())).mount(&server).await;
    (server, out, public)
}

#[tokio::test]
async fn verify_and_check_read_a_publication_over_http() {
    let work = tempfile::tempdir().unwrap();
    let get = Mock::given(wiremock::matchers::method("GET"));
    let (server, out, public) = serve_with_cli(work.path(), get).await;
    let base = format!("{}/", server.uri());
    assert_exit(&verify_async(&public, &base, &[]).await, 0);

    let check = |public: PathBuf, feed: String| {
        tokio::task::spawn_blocking(move || {
            cvefeed()
                .args(["check", "--version", "1.30.0", "--format", "json", "--feed"])
                .arg(feed)
                .arg("--verify-key")
                .arg(public)
                .env("CVEFEED_CACHE_DIR", "/nonexistent/cvefeed-test-cache")
                .output()
                .unwrap()
        })
    };
    let trusted = check(public.clone(), format!("{base}index.json"))
        .await
        .unwrap();
    assert_ne!(trusted.status.code(), Some(2), "{}", text(&trusted.stderr));
    let local = check(public.clone(), out.display().to_string())
        .await
        .unwrap();
    assert_ne!(local.status.code(), Some(2), "{}", text(&local.stderr));

    // The served feed is not the one the signed manifest names.
    let index = out.join("index.json");
    let mut bytes = std::fs::read(&index).unwrap();
    bytes.insert(1, b' ');
    std::fs::write(&index, bytes).unwrap();
    let refused = check(public.clone(), format!("{base}index.json"))
        .await
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("refusing to use the feed"), "{stderr}");
    assert!(stderr.contains("index.json"), "{stderr}");
    let bad = verify_async(&public, &base, &[]).await;
    assert_exit(&bad, 1);
    assert!(text(&bad.stdout).contains("FAIL index.json: larger than the "));
}

#[tokio::test]
async fn verify_sends_a_password_in_the_url_as_basic_auth_and_never_shows_it() {
    let work = tempfile::tempdir().unwrap();
    // robot:S3CR3T
    let authorized = Mock::given(wiremock::matchers::method("GET")).and(
        wiremock::matchers::header("authorization", "Basic cm9ib3Q6UzNDUjNU"),
    );
    let (server, _, public) = serve_with_cli(work.path(), authorized).await;
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let with = |password: &str| {
        server
            .uri()
            .replace("http://", &format!("http://robot:{password}@"))
    };

    let ok = verify_async(&public, &with("S3CR3T"), &[]).await;
    assert_exit(&ok, 0);
    let stdout = text(&ok.stdout);
    assert!(
        stdout.contains(&format!("intact: {}/: ", server.uri())),
        "{stdout}"
    );
    assert!(!format!("{stdout}{}", text(&ok.stderr)).contains("S3CR3T"));

    let refused = verify_async(&public, &with("WR0NG"), &[]).await;
    assert_exit(&refused, 2);
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("HTTP 401"), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot verify {}/", server.uri())),
        "{stderr}"
    );
    assert!(!format!("{stderr}{}", text(&refused.stdout)).contains("WR0NG"));

    let invalid = verify_async(&public, "http://robot:S3CR3T@bad host/", &[]).await;
    assert_exit(&invalid, 2);
    let stderr = text(&invalid.stderr);
    assert!(stderr.contains("not a valid http(s) URL"), "{stderr}");
    assert!(!stderr.contains("S3CR3T"), "{stderr}");
}

#[tokio::test]
#[ignore = "needs the S3 test server"]
async fn verify_works_on_the_s3_test_server() {
    let bucket = s3::Bucket::new("verify").await;
    let location = bucket.location("feed");
    let work = tempfile::tempdir().unwrap();
    let (signer, public) = key_pair(&work.path().join("keys"));
    let issues = work.path().join("issues.json");
    fixtures::write_issues(&issues, 3);
    let store = bucket.open("feed");
    publish::refresh(
        store.as_ref(),
        &signed(fixtures::config(&issues), &signer),
        Utc::now(),
    )
    .await
    .unwrap();

    let options: Vec<String> = bucket
        .options()
        .into_iter()
        .flat_map(|(k, v)| ["--out-option".to_string(), format!("{k}={v}")])
        .collect();
    let ok = verify_async(&public, &location, &options).await;
    assert_exit(&ok, 0);
    assert!(text(&ok.stdout).starts_with(&format!("intact: {location}")));

    store
        .put(
            "feed.xml",
            b"<rss/>".to_vec(),
            "application/rss+xml",
            PutMode::Overwrite,
        )
        .await
        .unwrap();
    let bad = verify_async(&public, &location, &options).await;
    assert_exit(&bad, 1);
    assert!(
        text(&bad.stdout).contains("FAIL feed.xml: "),
        "{}",
        text(&bad.stdout)
    );
}
