//! A local directory as a store, published all or nothing the way
//! kubelet's AtomicWriter updates ConfigMap volumes:
//!
//! ```text
//! DIR/..data -> ..2026_12_01_10_00_00.123456789      one rename switches it
//! DIR/..2026_12_01_10_00_00.123456789/index.json     a generation: the whole publication
//! DIR/index.json -> ..data/index.json                every published name, a symlink
//! DIR/osv -> ..data/osv
//! DIR/status.json, DIR/.cache/, DIR/.cvefeed.*       bookkeeping, plain files
//! ```
//!
//! A publication ([`Store::begin`]) is staged in `DIR/..tmp-*`, seeded
//! with hard links to the current generation (so unchanged files cost no
//! copy), written (a changed file replaces its link, never the shared
//! inode), made durable with one `syncfs`, renamed to its generation name
//! and switched in by renaming a new `..data` symlink over the old one.
//! A failure or a kill at any moment before that rename leaves the old
//! generation untouched and served; the next publication removes the
//! orphaned staging directory and temporary files. Old generations are
//! removed once they have been replaced for longer than the grace period,
//! so that a reader that resolved `..data` just before a switch can finish.
//! A directory still in the flat layout of earlier versions is taken over
//! by its first publication.
//!
//! Objects outside the publication (`status.json`, caches, the journal)
//! are written in place with a temporary file and a rename. The publish
//! lock is a lock file, since a plain directory has no conditional writes
//! of its own.
//!
//! This module owns the mapping of object names to files under the root
//! and that layout; it never touches a path outside the root and knows
//! nothing of feeds. Its file system calls run on tokio's blocking pool,
//! never on the runtime's threads.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use chrono::{NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

use super::{
    Fetched, Lease, Publication, PutMode, Store, StoreError, StoreLock, Version, check_name,
};
use crate::fsread::{self, CappedError};
use cvefeed_model::manifest::{MANIFEST, STATUS};

/// Name of the lock file inside the directory.
pub const LOCK_FILE: &str = ".cvefeed.lock";
/// The symlink to the current generation.
pub const DATA_LINK: &str = "..data";
/// How long a replaced generation is kept for readers that resolved it.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(120);
/// Prefix of a publication being staged.
const STAGING_PREFIX: &str = "..tmp-";
/// Prefix of a temporary file of an in-place write.
const TMP_PREFIX: &str = ".tmp-";
/// Generation names after the `..`: UTC time to the nanosecond.
const GENERATION_FORMAT: &str = "%Y_%m_%d_%H_%M_%S%.9f";
/// A temporary file older than this is an orphan of a killed process.
const ORPHAN_AGE: Duration = Duration::from_secs(60);

/// A directory on the local file system.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
    grace: Duration,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A name no other writer uses: this process, a counter, and `suffix`.
fn unique(prefix: &str, suffix: &str) -> String {
    format!(
        "{prefix}{}-{}-{suffix}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl LocalStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> LocalStore {
        LocalStore {
            root: root.into(),
            grace: DEFAULT_GRACE,
        }
    }

    /// Keep replaced generations for `grace` (default [`DEFAULT_GRACE`]).
    pub fn with_grace(mut self, grace: Duration) -> LocalStore {
        self.grace = grace;
        self
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, name: &str) -> Result<PathBuf, StoreError> {
        check_name(name)?;
        Ok(self.root.join(name))
    }

    fn io(&self, op: &'static str, name: &str, source: std::io::Error) -> StoreError {
        StoreError::Io {
            op,
            name: name.to_string(),
            location: self.location(),
            source,
        }
    }

    fn version_of(bytes: &[u8]) -> Version {
        Version(hex::encode(Sha256::digest(bytes)))
    }

    /// Read `name`, `None` when absent. With a `limit`, a larger file is
    /// [`StoreError::TooLarge`] ([`fsread::read_capped`]: refused on its
    /// size before it is read, and read no further than `limit + 1` bytes
    /// in case it grows or is not a regular file).
    fn read(&self, name: &str, limit: Option<u64>) -> Result<Option<Fetched>, StoreError> {
        let path = self.path(name)?;
        let read = match limit {
            None => fs::read(&path).map_err(CappedError::Io),
            Some(limit) => fsread::read_capped(&path, limit),
        };
        match read {
            Ok(bytes) => Ok(Some(Fetched {
                version: Self::version_of(&bytes),
                bytes,
            })),
            Err(CappedError::TooLarge { limit }) => Err(StoreError::TooLarge {
                name: name.to_string(),
                location: self.location(),
                limit,
            }),
            Err(CappedError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(CappedError::Io(e)) => Err(self.io("reading", name, e)),
        }
    }

    /// The version of `name` as published now, `None` when absent.
    fn current_version(&self, name: &str) -> Result<Option<Version>, StoreError> {
        Ok(self.read(name, None)?.map(|f| f.version))
    }

    /// Check `mode` against the published `name`.
    fn check_mode(&self, name: &str, mode: &PutMode) -> Result<(), StoreError> {
        let conflict = || StoreError::Conflict {
            name: name.to_string(),
            location: self.location(),
        };
        match mode {
            PutMode::Overwrite => Ok(()),
            PutMode::Create => match self.current_version(name)? {
                None => Ok(()),
                Some(_) => Err(conflict()),
            },
            PutMode::Update(expected) => match self.current_version(name)? {
                Some(v) if &v == expected => Ok(()),
                _ => Err(conflict()),
            },
        }
    }

    fn write_atomically(&self, name: &str, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir).map_err(|e| self.io("creating the directory of", name, e))?;
        let file_name = path.file_name().unwrap_or_default().to_string_lossy();
        let tmp = dir.join(unique(TMP_PREFIX, &file_name));
        // The rename is atomic: a reader or a killed process sees the old or
        // the new file, never a torn one. Durability is batched in `sync`.
        let renamed = write_new(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
        renamed.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            self.io("writing", name, e)
        })
    }

    fn syncfs(&self) -> Result<(), StoreError> {
        let root =
            fs::File::open(&self.root).map_err(|e| self.io("opening", "the directory", e))?;
        rustix::fs::syncfs(&root).map_err(|e| self.io("syncing", "the directory", e.into()))
    }

    /// Remove what killed runs left: staging directories (only a lock
    /// holder stages, and the caller holds the lock) and temporary files
    /// old enough not to belong to a write in progress.
    fn remove_orphans(&self) -> Result<(), StoreError> {
        let Ok(entries) = fs::read_dir(&self.root) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with(STAGING_PREFIX) {
                tracing::info!(path = %path.display(), "removing a publication a killed run left unfinished");
                fs::remove_dir_all(&path)
                    .map_err(|e| self.io("removing the unfinished publication", &name, e))?;
            } else if !name.starts_with("..") && entry.file_type().is_ok_and(|t| t.is_dir()) {
                // `.cache/`, and `osv/` of the flat layout.
                remove_old_tmp_files(&path);
            }
        }
        remove_old_tmp_files(&self.root);
        Ok(())
    }

    /// The generation `..data` points to, if any.
    fn current_generation(&self) -> Option<String> {
        let target = fs::read_link(self.root.join(DATA_LINK)).ok()?;
        Some(target.to_string_lossy().into_owned())
    }

    /// Fill `staging` with hard links to the current publication: the
    /// current generation, or the published names of the flat layout.
    fn seed(&self, staging: &Path) -> Result<(), StoreError> {
        let fail = |e| self.io("linking the published files into", "a new generation", e);
        match self.current_generation() {
            Some(generation) => link_tree(&self.root.join(generation), staging).map_err(fail),
            None => {
                let Ok(entries) = fs::read_dir(&self.root) else {
                    return Ok(());
                };
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.starts_with('.') || name == STATUS {
                        continue;
                    }
                    let kind = entry.file_type().map_err(fail)?;
                    let to = staging.join(&name);
                    if kind.is_dir() {
                        link_tree(&entry.path(), &to).map_err(fail)?;
                    } else if kind.is_file() {
                        fs::hard_link(entry.path(), &to).map_err(fail)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Give every top-level name of the staged generation that does not
    /// exist at all yet its symlink into `..data`. Until the switch it
    /// points at nothing (the name is absent, as in the old generation).
    fn prelink(&self, staging: &Path) -> Result<(), StoreError> {
        let fail = |e| self.io("linking", "the published names", e);
        for entry in fs::read_dir(staging).map_err(fail)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = self.root.join(&name);
            match fs::symlink_metadata(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.link_top_level(&name)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Switch `..data` to `generation` with one rename: the commit point.
    fn switch(&self, generation: &str) -> Result<(), StoreError> {
        let fail = |e| self.io("switching", DATA_LINK, e);
        let tmp = self.root.join(unique("..data-", "tmp"));
        std::os::unix::fs::symlink(generation, &tmp).map_err(fail)?;
        fs::rename(&tmp, self.root.join(DATA_LINK)).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            fail(e)
        })
    }

    /// After a switch to `generation`: turn the files of the flat layout
    /// into symlinks, drop the symlinks of names it no longer has, make it
    /// durable and remove old generations. The publication is public
    /// already, so a failure here is logged, not returned; the next
    /// publication does it again.
    fn tidy(&self, generation: &str) {
        let result = (|| {
            let names: Vec<String> = fs::read_dir(self.root.join(generation))
                .map_err(|e| self.io("reading", generation, e))?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            for name in &names {
                self.link_top_level(name)?;
            }
            for entry in fs::read_dir(&self.root)
                .map_err(|e| self.io("reading", "the directory", e))?
                .flatten()
            {
                let name = entry.file_name().to_string_lossy().into_owned();
                let into_data = fs::read_link(entry.path())
                    .is_ok_and(|t| t.starts_with(DATA_LINK) && t.components().count() == 2);
                if into_data && !names.contains(&name) {
                    fs::remove_file(entry.path()).map_err(|e| self.io("removing", &name, e))?;
                }
            }
            self.syncfs()
        })();
        if let Err(e) = result {
            tracing::warn!(error = %crate::error::Chain(&e), "the new generation is public, but tidying the directory failed; the next publication tries again");
        }
        self.remove_old_generations();
    }

    /// Make `DIR/name` the symlink `..data/name`, replacing what is there
    /// in one rename (a file of the flat layout) or one exchange (a
    /// directory of it).
    fn link_top_level(&self, name: &str) -> Result<(), StoreError> {
        let fail = |e| self.io("linking", name, e);
        let path = self.root.join(name);
        let target = Path::new(DATA_LINK).join(name);
        if fs::read_link(&path).is_ok_and(|t| t == target) {
            return Ok(());
        }
        let tmp = self.root.join(unique(TMP_PREFIX, name));
        std::os::unix::fs::symlink(&target, &tmp).map_err(fail)?;
        let is_dir = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        let result = if is_dir {
            // A directory cannot be renamed over: exchange it with the
            // symlink (one step for readers), then remove it.
            exchange(&tmp, &path).and_then(|()| fs::remove_dir_all(&tmp))
        } else {
            fs::rename(&tmp, &path)
        };
        result.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            fail(e)
        })
    }

    /// Remove the generations replaced for longer than the grace period.
    /// A generation was replaced when the next one (by name: names sort by
    /// time) was made.
    fn remove_old_generations(&self) {
        let Some(current) = self.current_generation() else {
            return;
        };
        let Ok(entries) = fs::read_dir(&self.root) else {
            return;
        };
        let mut generations: Vec<(String, NaiveDateTime)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let time = generation_time(&name)?;
                Some((name, time))
            })
            .collect();
        generations.sort();
        let now = Utc::now().naive_utc();
        for pair in generations.windows(2) {
            let ((name, _), (_, replaced_at)) = (&pair[0], &pair[1]);
            let replaced_for = (now - *replaced_at).to_std().unwrap_or_default();
            if *name != current
                && replaced_for >= self.grace
                && let Err(e) = fs::remove_dir_all(self.root.join(name))
            {
                tracing::warn!(generation = %name, error = %e, "cannot remove an old generation");
            }
        }
    }
}

/// The time in a generation name (`..2026_12_01_10_00_00.123456789`).
fn generation_time(name: &str) -> Option<NaiveDateTime> {
    let rest = name.strip_prefix("..")?;
    NaiveDateTime::parse_from_str(rest, GENERATION_FORMAT).ok()
}

/// Create `path` (which must not exist), world-readable like every
/// published file, with `bytes`.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
}

/// Mirror the directory tree `from` into `to` with hard links.
fn link_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(TMP_PREFIX) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            link_tree(&entry.path(), &to.join(&name))?;
        } else if kind.is_file() {
            fs::hard_link(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// Remove the temporary files in `dir` older than [`ORPHAN_AGE`].
fn remove_old_tmp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let orphan = entry.file_name().to_string_lossy().starts_with(TMP_PREFIX)
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).unwrap_or_default() >= ORPHAN_AGE);
        if orphan {
            tracing::info!(path = %entry.path().display(), "removing a temporary file a killed run left");
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Swap two paths in one step (`renameat2(RENAME_EXCHANGE)`); where the
/// file system cannot, move `b` aside and `a` into its place (a moment
/// where `b` is missing).
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
            let aside = b.with_file_name(unique(TMP_PREFIX, "aside"));
            fs::rename(b, &aside)?;
            fs::rename(a, b)?;
            fs::rename(&aside, a)
        }
        Err(e) => Err(e.into()),
    }
}

/// Run `f` on the blocking pool and wait for it: file system calls block
/// (`syncfs` for seconds), and `serve` answers requests on the runtime
/// its refreshes run on.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

#[async_trait]
impl Store for LocalStore {
    fn location(&self) -> String {
        self.root.display().to_string()
    }

    async fn get(&self, name: &str) -> Result<Option<Fetched>, StoreError> {
        let (store, name) = (self.clone(), name.to_string());
        blocking(move || store.read(&name, None)).await
    }

    async fn get_limited(&self, name: &str, limit: u64) -> Result<Option<Fetched>, StoreError> {
        let (store, name) = (self.clone(), name.to_string());
        blocking(move || store.read(&name, Some(limit))).await
    }

    async fn put(
        &self,
        name: &str,
        bytes: Vec<u8>,
        _content_type: &str,
        mode: PutMode,
    ) -> Result<(), StoreError> {
        let (store, name) = (self.clone(), name.to_string());
        blocking(move || {
            let path = store.path(&name)?;
            // Conditions are checked under the publish lock the pipeline holds.
            store.check_mode(&name, &mode)?;
            store.write_atomically(&name, &path, &bytes)
        })
        .await
    }

    async fn delete(&self, name: &str) -> Result<(), StoreError> {
        let (store, name) = (self.clone(), name.to_string());
        blocking(move || match fs::remove_file(store.path(&name)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(store.io("deleting", &name, e)),
        })
        .await
    }

    async fn begin(&self) -> Result<Box<dyn Publication + '_>, StoreError> {
        let store = self.clone();
        blocking(move || {
            fs::create_dir_all(&store.root)
                .map_err(|e| store.io("creating", "the directory", e))?;
            store.remove_orphans()?;
            store.remove_old_generations();
            let staging = store.root.join(unique(STAGING_PREFIX, "publication"));
            fs::create_dir(&staging).map_err(|e| store.io("creating", "a new generation", e))?;
            let publication = LocalPublication {
                store: store.clone(),
                staging,
                committed: false,
            };
            // On error the publication is dropped, which removes `staging`.
            store.seed(&publication.staging)?;
            Ok(Box::new(publication) as Box<dyn Publication>)
        })
        .await
    }

    fn commits_atomically(&self) -> bool {
        true
    }

    async fn sync(&self) -> Result<(), StoreError> {
        let store = self.clone();
        blocking(move || store.syncfs()).await
    }

    async fn lock(&self, wait: Duration) -> Result<Option<StoreLock>, StoreError> {
        let store = self.clone();
        let file = blocking(move || {
            fs::create_dir_all(&store.root)
                .map_err(|e| store.io("creating", "the directory", e))?;
            fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(store.root.join(LOCK_FILE))
                .map_err(|e| store.io("opening", LOCK_FILE, e))
        })
        .await?;
        let start = Instant::now();
        loop {
            // Never waits: a lock held elsewhere is `WouldBlock`.
            match file.try_lock() {
                Ok(()) => return Ok(Some(StoreLock::new(FileLock(file)))),
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => return Err(self.io("locking", LOCK_FILE, e)),
            }
            if start.elapsed() >= wait {
                return Err(StoreError::Locked {
                    location: self.location(),
                    waited: start.elapsed(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A generation being staged in `DIR/..tmp-*`; removed if dropped
/// uncommitted.
#[derive(Debug)]
struct LocalPublication {
    store: LocalStore,
    staging: PathBuf,
    committed: bool,
}

/// `name` in the generation staged in `staging`.
fn staged(staging: &Path, name: &str) -> Result<PathBuf, StoreError> {
    check_name(name)?;
    Ok(staging.join(name))
}

/// Write `name` into the generation staged in `staging`: a new file in
/// place of the hard link, so that the generation it was linked from keeps
/// its bytes.
fn write_staged(
    store: &LocalStore,
    staging: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<(), StoreError> {
    let path = staged(staging, name)?;
    let written = (|| {
        // A discarded publication's staging directory is gone: never
        // create it again from a write that was still under way.
        if !staging.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the publication was discarded",
            ));
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        write_new(&path, bytes)
    })();
    written.map_err(|e| store.io("writing", name, e))
}

#[async_trait]
impl Publication for LocalPublication {
    async fn put(&self, name: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), StoreError> {
        let (store, staging) = (self.store.clone(), self.staging.clone());
        let name = name.to_string();
        blocking(move || write_staged(&store, &staging, &name, &bytes)).await
    }

    async fn remove(&self, name: &str) -> Result<(), StoreError> {
        let (store, staging) = (self.store.clone(), self.staging.clone());
        let name = name.to_string();
        blocking(move || match fs::remove_file(staged(&staging, &name)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(store.io("deleting", &name, e)),
        })
        .await
    }

    async fn commit(
        mut self: Box<Self>,
        manifest: Vec<u8>,
        mode: PutMode,
    ) -> Result<(), StoreError> {
        blocking(move || {
            let store = self.store.clone();
            store.check_mode(MANIFEST, &mode)?;
            write_staged(&store, &self.staging, MANIFEST, &manifest)?;
            store.prelink(&self.staging)?;
            // Every file of the generation is durable before it is switched in.
            store.syncfs()?;
            let mut generation = Utc::now()
                .format(&format!("..{GENERATION_FORMAT}"))
                .to_string();
            while store.root.join(&generation).exists() {
                generation = Utc::now()
                    .format(&format!("..{GENERATION_FORMAT}"))
                    .to_string();
            }
            fs::rename(&self.staging, store.root.join(&generation))
                .map_err(|e| store.io("naming", "the new generation", e))?;
            self.committed = true;
            if let Err(e) = store.switch(&generation) {
                // Not switched in: the old generation stays public.
                let _ = fs::remove_dir_all(store.root.join(&generation));
                return Err(e);
            }
            store.tidy(&generation);
            Ok(())
        })
        .await
    }
}

impl Drop for LocalPublication {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The lock file, held open and locked; closing it releases the lock, and
/// the kernel releases it if the process dies, so it never needs renewal.
struct FileLock(fs::File);

#[async_trait]
impl Lease for FileLock {
    async fn keep_alive(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        drop(self.0);
        Ok(())
    }
}
