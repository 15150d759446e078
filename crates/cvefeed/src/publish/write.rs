//! Step 3: rendering and writing. Under the publish lock, write the
//! journal (the names about to change), then render each due object once,
//! in batches on the blocking pool, and write each batch into the store's
//! [`Publication`] while the next one renders.
//!
//! This step owns the journal, the render order and how many objects are
//! rendered or written at once. It never writes `manifest.json` (the
//! commit does) and never decides what is due (the plan does).

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::plan::Plan;
use super::{COMPAT_FEED, COMPAT_HASH, JOURNAL, RefreshError, to_json};
use crate::compress;
use crate::store::{Publication, PutMode, Store, StoreError, StoreLock};
use cvefeed_model::changes::{ChangeLog, LogMark};
use cvefeed_model::feed::Feed;
use cvefeed_model::manifest::{Coding, EncodedEntry, Manifest, ObjectEntry};
use cvefeed_model::plan::Due;
use cvefeed_model::render::{
    self, Artifact, Part, RenderError, SiteConfig, changes, content_type, osv,
};
use cvefeed_model::signature::{PUBLIC_KEY, PUBLIC_KEY_CONTENT_TYPE, PublicKey};

/// OSV records rendered per batch (and written between two lease renewals).
const RECORD_BATCH: usize = 256;
/// A rendered batch larger than this is written before the next batch is
/// rendered, so that two large documents are never held at once.
const OVERLAP_LIMIT: usize = 4 << 20;
/// OSV record writes in flight at once.
const PARALLEL_WRITES: usize = 16;

const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

/// The journal's body: what a publish is about to change, written before
/// it changes anything. Not a published object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Journal {
    /// The names it may write or remove.
    pub(super) names: BTreeSet<String>,
    /// The committed change log it grows from (absent when there is none
    /// with the manifest's hash, and in the journal of an older version):
    /// recovery cuts a replaced `changes.json` there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) committed_log: Option<LogMark>,
}

/// The journal an interrupted publish left (the names it was writing or
/// deleting, the committed log's mark); `None` when no journal exists.
pub(super) async fn read_journal(store: &dyn Store) -> Result<Option<Journal>, StoreError> {
    Ok(match store.get(JOURNAL).await? {
        Some(f) => Some(match serde_json::from_slice::<Journal>(&f.bytes) {
            Ok(j) => {
                tracing::warn!(
                    objects = j.names.len(),
                    "a previous publish was cut short; the objects it named are verified"
                );
                j
            }
            Err(e) => {
                tracing::warn!(error = %e, "ignoring the contents of an unreadable {JOURNAL}");
                Journal::default()
            }
        }),
        None => None,
    })
}

/// The writing side of a publish under the lock: the store, the lease to
/// keep alive and the names written so far.
pub(super) struct Writer<'a> {
    /// The store written.
    pub(super) store: &'a dyn Store,
    lock: Option<&'a mut StoreLock>,
    /// Names written, in order, for the summary.
    pub(super) written: Vec<String>,
}

impl<'a> Writer<'a> {
    /// A writer holding `lock` (if the store has one).
    pub(super) fn new(store: &'a dyn Store, lock: Option<&'a mut StoreLock>) -> Writer<'a> {
        Writer {
            store,
            lock,
            written: Vec::new(),
        }
    }

    /// Renew the lock if due; an error means nothing more may be written.
    pub(super) async fn keep_alive(&mut self) -> Result<(), StoreError> {
        match &mut self.lock {
            Some(l) => l.keep_alive().await,
            None => Ok(()),
        }
    }

    /// Write the journal of `plan`, durably: every name it is about to
    /// write or delete, and every name still dirty from an earlier try
    /// ([`Plan::journal`]).
    pub(super) async fn write_journal(&mut self, plan: &Plan) -> Result<(), StoreError> {
        let journal = plan.journal();
        self.keep_alive().await?;
        self.store
            .put(
                JOURNAL,
                to_json(&journal),
                content_type::JSON,
                PutMode::Overwrite,
            )
            .await?;
        self.store.sync().await?;
        self.written.push(JOURNAL.to_string());
        Ok(())
    }

    /// Render and write the `due` objects of `feed` into `publication`
    /// (each batch rendered while the previous one is written), adding
    /// their entries to `manifest`.
    pub(super) async fn write_due(
        &mut self,
        publication: &dyn Publication,
        inputs: Inputs,
        due: &[Due],
        manifest: &mut Manifest,
    ) -> Result<(), RefreshError> {
        let mut producer = Some(Producer::new(inputs, due));
        let mut ahead = None;
        loop {
            let pending = match (ahead.take(), producer.take()) {
                (Some(pending), _) => pending,
                (None, Some(p)) => spawn_batch(p),
                (None, None) => break,
            };
            let (p, batch) = pending
                .await
                .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
            let Some(batch) = batch? else {
                break;
            };
            // Render the next batch while this one is written, unless this one
            // is large (a feed or the page): then one at a time, to bound memory.
            let size: usize = batch.iter().map(|r| r.artifact.bytes.len()).sum();
            if size <= OVERLAP_LIMIT {
                ahead = Some(spawn_batch(p));
            } else {
                producer = Some(p);
            }
            self.keep_alive().await?;
            let mut batch = batch.into_iter().peekable();
            while batch.peek().is_some() {
                // Independent objects, many at a time: a bucket answers each in
                // a round trip.
                let group: Vec<Rendered> = batch.by_ref().take(PARALLEL_WRITES).collect();
                let mut artifacts = Vec::with_capacity(group.len());
                for r in group {
                    manifest.objects.insert(r.artifact.name.clone(), r.entry);
                    for a in std::iter::once(r.artifact).chain(r.siblings) {
                        self.written.push(a.name.clone());
                        artifacts.push(a);
                    }
                }
                let puts = artifacts.into_iter().map(|a| async move {
                    let Artifact {
                        name,
                        content_type,
                        bytes,
                    } = a;
                    publication.put(&name, bytes, content_type).await
                });
                // Wait for every write of the group, even after one failed:
                // a store may write on a blocking thread, and a write left
                // running could outlive the publication it belongs to (and
                // recreate its discarded staging directory).
                for result in futures::future::join_all(puts).await {
                    result?;
                }
            }
        }
        Ok(())
    }
}

/// What the due objects are rendered from.
pub(super) struct Inputs {
    /// The feed.
    pub(super) feed: Arc<Feed>,
    /// Names and URLs.
    pub(super) site: SiteConfig,
    /// The change log.
    pub(super) log: Arc<ChangeLog>,
    /// The key published as `cvefeed.pub`, if one is.
    pub(super) public_key: Option<PublicKey>,
    /// Whether text objects get `.gz` and `.br` siblings.
    pub(super) precompress: bool,
}

/// Renders the due objects of a plan in write order, one batch at a time:
/// OSV records (building `osv/all.zip` as they go when it is due), then
/// the archive, the feeds and the page, the change log and the public key.
/// Pure CPU work, run off the async threads while the previous batch is
/// written.
struct Producer {
    feed: Arc<Feed>,
    site: SiteConfig,
    log: Arc<ChangeLog>,
    public_key: Option<PublicKey>,
    /// Item indices of the records still to render, in id order.
    records: VecDeque<usize>,
    /// Which items' records are due (the others are rendered only for the
    /// archive).
    record_due: Vec<bool>,
    /// The archive being built, when it is due.
    archive: Option<osv::Archive>,
    /// The other due objects, in write order.
    rest: VecDeque<Due>,
    /// Whether to add `.gz` and `.br` siblings of text objects.
    precompress: bool,
}

/// A rendered object, its precompressed siblings (if any) and its
/// manifest entry (which lists them).
struct Rendered {
    artifact: Artifact,
    siblings: Vec<Artifact>,
    entry: ObjectEntry,
}

impl Producer {
    fn new(inputs: Inputs, due: &[Due]) -> Producer {
        let Inputs {
            feed,
            site,
            log,
            public_key,
            precompress,
        } = inputs;
        let mut record_due = vec![false; feed.items.len()];
        for d in due {
            if let Due::Part(Part::Record(i)) = d {
                record_due[*i] = true;
            }
        }
        let archive_due = due.contains(&Due::Part(Part::Archive));
        let records = osv::record_order(&feed)
            .into_iter()
            .filter(|i| archive_due || record_due[*i])
            .collect();
        Producer {
            records,
            record_due,
            archive: archive_due.then(osv::Archive::new),
            rest: due
                .iter()
                .filter(|d| !matches!(d, Due::Part(Part::Record(_) | Part::Archive)))
                .copied()
                .collect(),
            feed,
            site,
            log,
            public_key,
            precompress,
        }
    }

    /// The next batch, `None` when everything was rendered.
    fn next_batch(&mut self) -> Batch {
        let mut batch = Vec::new();
        if !self.records.is_empty() {
            for i in self.records.drain(..RECORD_BATCH.min(self.records.len())) {
                let record = osv::render_record(&self.feed.items[i])?;
                if let Some(archive) = &mut self.archive {
                    archive.add(&record)?;
                }
                if self.record_due[i] {
                    batch.push(rendered(record, self.precompress));
                }
            }
            return Ok(Some(batch));
        }
        if let Some(archive) = self.archive.take() {
            return Ok(Some(vec![rendered(archive.finish()?, self.precompress)]));
        }
        let Some(next) = self.rest.pop_front() else {
            return Ok(None);
        };
        let compat_due = self.rest.contains(&Due::Compat);
        match next {
            Due::Part(part) => {
                let artifact = render::render(&self.feed, &self.site, part)?;
                if part == Part::JsonFeed && compat_due {
                    // Both upstream names in the batch of the feed.
                    self.rest.retain(|d| *d != Due::Compat);
                    batch.extend(
                        compat_artifacts(&render::compat::render(&self.feed, &self.site)?)
                            .into_iter()
                            .map(|a| rendered(a, self.precompress)),
                    );
                }
                batch.insert(0, rendered(artifact, self.precompress));
            }
            Due::Compat => {
                let feed = render::compat::render(&self.feed, &self.site)?;
                batch.extend(
                    compat_artifacts(&feed)
                        .into_iter()
                        .map(|a| rendered(a, self.precompress)),
                );
            }
            Due::ChangeLog => {
                let json = changes::render_json(&self.log)?;
                let atom = changes::render_atom(&self.log, &self.site, self.feed.updated_at)?;
                batch.push(rendered(json, self.precompress));
                batch.push(rendered(atom, self.precompress));
            }
            Due::PublicKey => {
                // Planned only when a key is configured.
                if let Some(key) = &self.public_key {
                    let artifact = Artifact {
                        name: PUBLIC_KEY.into(),
                        content_type: PUBLIC_KEY_CONTENT_TYPE,
                        bytes: key.to_pem().into_bytes(),
                    };
                    batch.push(rendered(artifact, self.precompress));
                }
            }
        }
        Ok(Some(batch))
    }
}

/// A rendered object with its entry and, with `precompress` and a text
/// type, its `.gz` and `.br` siblings (written as `application/gzip` and
/// `application/x-brotli` files: the bytes as stored, which static hosts
/// send with the object's type and a `Content-Encoding`).
fn rendered(artifact: Artifact, precompress: bool) -> Rendered {
    let mut entry = ObjectEntry {
        sha256: hex::encode(Sha256::digest(&artifact.bytes)),
        size: artifact.bytes.len() as u64,
        content_type: artifact.content_type.to_string(),
        ..ObjectEntry::default()
    };
    let mut siblings = Vec::new();
    if precompress && compress::is_compressible(artifact.content_type) {
        for coding in Coding::ALL {
            let bytes = compress::encode(coding, &artifact.bytes);
            let sibling = EncodedEntry {
                name: coding.sibling(&artifact.name),
                sha256: hex::encode(Sha256::digest(&bytes)),
                size: bytes.len() as u64,
            };
            siblings.push(Artifact {
                name: sibling.name.clone(),
                content_type: match coding {
                    Coding::Gzip => "application/gzip",
                    Coding::Brotli => "application/x-brotli",
                },
                bytes,
            });
            entry.encodings.insert(coding, sibling);
        }
    }
    Rendered {
        artifact,
        siblings,
        entry,
    }
}

/// The next batch, or `None` when everything was rendered.
type Batch = Result<Option<Vec<Rendered>>, RenderError>;

/// Render the next batch on the blocking pool.
fn spawn_batch(mut producer: Producer) -> tokio::task::JoinHandle<(Producer, Batch)> {
    tokio::task::spawn_blocking(move || {
        let batch = producer.next_batch();
        (producer, batch)
    })
}

/// `official-cve-feed.json` (the model's `render::compat`: the JSON Feed
/// with upstream's item-level `status`) and `cve-feed-hash` (its hex
/// sha256 and a newline), the names the upstream job published to its
/// bucket and the kubernetes/website build reads.
fn compat_artifacts(feed: &Artifact) -> [Artifact; 2] {
    let hash = format!("{}\n", hex::encode(Sha256::digest(&feed.bytes)));
    [
        Artifact {
            name: COMPAT_FEED.into(),
            content_type: content_type::JSON,
            bytes: feed.bytes.clone(),
        },
        Artifact {
            name: COMPAT_HASH.into(),
            content_type: TEXT_PLAIN,
            bytes: hash.into_bytes(),
        },
    ]
}
