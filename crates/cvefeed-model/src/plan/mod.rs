//! The decisions of a refresh, as a pure function of the previous
//! publication: given this run's feed, the previous manifest and the
//! objects it asks to have read back, which objects are carried over,
//! which are due (rendered and written), which are stale (removed), and
//! whether the feed may shrink.
//!
//! Two phases, because some decisions need bytes only the store holds:
//! [`draft`] decides from the manifest alone and names what it needs read
//! ([`Draft::needs_log`], [`Draft::reads`]); [`Draft::finish`] takes what
//! was read and returns the [`Plan`]. An object is due when its inputs
//! changed (its item, or for the feeds and the archive the whole feed),
//! when this build renders differently ([`Manifest::render_key`]), when it
//! lacks the precompressed siblings this run wants, or when an interrupted
//! publish may have left other bytes in it (a `dirty` name).
//!
//! The change log of the next publication is decided here too, from the
//! published log as read back ([`next_log`], in `log.rs`).
//!
//! Owns those rules and the names of the objects they apply to. It must
//! not touch rendering (that is [`crate::render`]), nor read anything: the
//! caller reads the store and passes what it found.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::advisory::CveId;
use crate::feed::{self, Changes, Feed};
use crate::manifest::{Coding, MANIFEST, Manifest, ObjectEntry, STATUS};
use crate::render::{self, Part, changes};
use crate::signature::PUBLIC_KEY;

mod log;
#[cfg(test)]
mod tests;

pub use log::{LogRead, NextLog, PreviousLog, Repair, next_log};

/// With the upstream bucket layout: the JSON Feed under the upstream name.
pub const COMPAT_FEED: &str = "official-cve-feed.json";
/// With the upstream bucket layout: hex sha256 of [`COMPAT_FEED`],
/// newline-ended.
pub const COMPAT_HASH: &str = "cve-feed-hash";

/// One due object (or pair of objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// A part of the publication.
    Part(Part),
    /// The upstream bucket names, [`COMPAT_FEED`] and [`COMPAT_HASH`],
    /// from the JSON Feed's bytes.
    Compat,
    /// The change log, `changes.json` and `changes.xml`.
    ChangeLog,
    /// The signing key's public half, `cvefeed.pub`.
    PublicKey,
}

impl Due {
    /// The object names this writes.
    pub fn names(self, feed: &Feed) -> Vec<String> {
        match self {
            Due::Part(part) => vec![part.name(feed)],
            Due::Compat => vec![COMPAT_FEED.to_string(), COMPAT_HASH.to_string()],
            Due::ChangeLog => vec![
                changes::JSON_NAME.to_string(),
                changes::ATOM_NAME.to_string(),
            ],
            Due::PublicKey => vec![PUBLIC_KEY.to_string()],
        }
    }
}

/// What is known of the publication planned against, before anything
/// but the manifest and the signature was read.
#[derive(Debug, Clone, Copy)]
pub struct Previous<'a> {
    /// The published manifest (`None`: nothing published yet).
    pub manifest: Option<&'a Manifest>,
    /// Whether the published signature is the current key's signature of
    /// the published manifest (always true when not signing).
    pub signature_current: bool,
}

/// The settings of the run that decide what is published.
#[derive(Debug, Clone)]
pub struct Settings {
    /// This build's render key ([`Manifest::render_key`]).
    pub render_key: String,
    /// The `generator` of the next manifest.
    pub generator: String,
    /// Whether the upstream bucket names are published.
    pub compat: bool,
    /// Whether text objects get `.gz` and `.br` siblings.
    pub precompress: bool,
    /// Which content types get siblings with `precompress`.
    pub compressible: fn(&str) -> bool,
    /// The public key's PEM, when it is published as `cvefeed.pub`.
    pub public_key: Option<String>,
    /// How many items may disappear.
    pub shrink_tolerance: usize,
    /// Whether any number of items may disappear.
    pub allow_shrink: bool,
}

/// The shrink verdict: more items would go than the tolerance allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} published item(s) would be removed, more than the tolerance of {tolerance}",
    ids.len()
)]
pub struct Shrink {
    /// Every id that would go.
    pub ids: Vec<CveId>,
    /// The tolerance.
    pub tolerance: usize,
}

/// The time of the next publication: `now`, but never before the one it
/// replaces (clock skew between writers).
pub fn publication_time(previous: Option<&Manifest>, now: DateTime<Utc>) -> DateTime<Utc> {
    previous.map_or(now, |m| now.max(m.updated_at))
}

/// The first phase: what the manifest alone decides, and what must be read
/// back to decide the rest.
#[derive(Debug)]
pub struct Draft<'a> {
    previous: Previous<'a>,
    feed: &'a Feed,
    settings: &'a Settings,
    dirty: BTreeSet<String>,
    same_build: bool,
    same_feed: bool,
    manifest: Manifest,
    /// Whether the change log must be built (read and appended to): it
    /// may be written. Not when the feed is the published one and the log
    /// is listed and not dirty.
    pub needs_log: bool,
}

/// The first phase: check the shrink verdict and decide what needs no
/// bytes. `dirty` names what an interrupted or losing publish may have
/// left other bytes in (the journal's names).
pub fn draft<'a>(
    previous: Previous<'a>,
    feed: &'a Feed,
    changes: &Changes,
    settings: &'a Settings,
    dirty: BTreeSet<String>,
) -> Result<Draft<'a>, Shrink> {
    if changes.removed.len() > settings.shrink_tolerance && !settings.allow_shrink {
        return Err(Shrink {
            ids: changes.removed.clone(),
            tolerance: settings.shrink_tolerance,
        });
    }
    let prev = previous.manifest;
    // Equal content hashes imply equal dates: `feed::build` carries them over.
    let same_build = prev.is_some_and(|m| m.render_key == settings.render_key);
    let same_feed = same_build && prev.is_some_and(|m| m.content_hash == feed.content_hash);
    let needs_log = !(same_feed
        && Due::ChangeLog
            .names(feed)
            .iter()
            .all(|n| !dirty.contains(n) && prev.is_some_and(|m| m.objects.contains_key(n))));
    let manifest = Manifest {
        manifest_version: Manifest::VERSION,
        generator: settings.generator.clone(),
        updated_at: feed.updated_at,
        content_hash: feed.content_hash.clone(),
        render_key: settings.render_key.clone(),
        objects: BTreeMap::new(),
        items: feed::item_states(feed),
    };
    Ok(Draft {
        previous,
        feed,
        settings,
        dirty,
        same_build,
        same_feed,
        manifest,
        needs_log,
    })
}

/// What reading a name back found, as the store's reader judged it
/// against the previous manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// The bytes the previous manifest lists under the name.
    Listed,
    /// Other bytes, or any bytes under a name the manifest does not list.
    Other,
    /// Nothing is there.
    Nothing,
}

/// What reading back [`Draft::reads`] found, by name.
pub type ReadBack = BTreeMap<String, Found>;

impl Draft<'_> {
    /// Every object this run wants, and whether its inputs are those of
    /// the published one. `log_unchanged` says whether the change log
    /// built is the published one (`None`: not built, see
    /// [`Draft::needs_log`]).
    fn wanted(&self, log_unchanged: Option<bool>) -> Vec<(Due, bool)> {
        let (feed, prev) = (self.feed, self.previous.manifest);
        let mut wanted: Vec<(Due, bool)> = render::parts(feed)
            .into_iter()
            .map(|part| {
                let same_inputs = match part {
                    Part::Record(i) => {
                        let id = &feed.items[i].advisory.id;
                        self.same_build
                            && prev.and_then(|m| m.items.get(id)) == self.manifest.items.get(id)
                    }
                    _ => self.same_feed,
                };
                (Due::Part(part), same_inputs)
            })
            .collect();
        if self.settings.compat {
            wanted.push((Due::Compat, self.same_feed));
        }
        wanted.push((
            Due::ChangeLog,
            log_unchanged.is_none_or(|unchanged| self.same_feed && unchanged),
        ));
        if let Some(pem) = &self.settings.public_key {
            let sha256 = hex::encode(Sha256::digest(pem));
            let same_key = prev
                .and_then(|m| m.objects.get(PUBLIC_KEY))
                .is_some_and(|e| e.sha256 == sha256);
            wanted.push((Due::PublicKey, same_key));
        }
        wanted
    }

    /// The names to read back before [`Draft::finish`]: the dirty names
    /// of published objects that may be carried over (are their bytes
    /// still the listed ones?), and the dirty names no published object
    /// lists (is something left under them?).
    pub fn reads(&self) -> BTreeSet<String> {
        let prev = self.previous.manifest;
        let mut reads = BTreeSet::new();
        let mut wanted_names = BTreeSet::new();
        for (object, same_inputs) in self.wanted(Some(true)) {
            for name in object.names(self.feed) {
                if let Some(entry) = prev
                    .and_then(|m| m.objects.get(&name))
                    .filter(|_| same_inputs)
                {
                    reads.extend(
                        written(&name, entry)
                            .filter(|(n, _)| self.dirty.contains(*n))
                            .map(|(n, _)| n.to_string()),
                    );
                }
                wanted_names.insert(name);
            }
        }
        let listed: BTreeSet<&str> = prev
            .into_iter()
            .flat_map(|m| m.objects.iter().flat_map(|(n, e)| written(n, e)))
            .map(|(n, _)| n)
            .collect();
        reads.extend(
            self.dirty
                .iter()
                .filter(|n| may_be_left(n) && !listed.contains(n.as_str()))
                .filter(|n| !wanted_names.contains(*n))
                .cloned(),
        );
        reads
    }

    /// The second phase: with `log_unchanged` (whether the change log
    /// built is the published one; `None` when it was not built) and what
    /// reading back [`Draft::reads`] found, the plan.
    pub fn finish(self, log_unchanged: Option<bool>, read: &ReadBack) -> Plan {
        let prev = self.previous.manifest;
        let intact =
            |name: &str| !self.dirty.contains(name) || read.get(name) == Some(&Found::Listed);
        let mut manifest = self.manifest.clone();
        let mut due = Vec::new();
        let mut names = BTreeSet::new();
        for (object, same_inputs) in self.wanted(log_unchanged) {
            let object_names = object.names(self.feed);
            let carried: Vec<(String, ObjectEntry)> = object_names
                .iter()
                .map_while(|name| {
                    prev.and_then(|m| m.objects.get(name))
                        .filter(|e| same_inputs && self.has_wanted_encodings(e))
                        .filter(|e| written(name, e).all(|(n, _)| intact(n)))
                        .map(|e| (name.clone(), e.clone()))
                })
                .collect();
            if carried.len() == object_names.len() {
                for (_, entry) in &carried {
                    names.extend(entry.encodings.values().map(|e| e.name.clone()));
                }
                manifest.objects.extend(carried);
            } else {
                due.push(object);
                if self.settings.precompress {
                    for name in &object_names {
                        names.extend(Coding::ALL.iter().map(|c| c.sibling(name)));
                    }
                }
            }
            names.extend(object_names);
        }
        let mut stale: BTreeSet<String> = prev
            .into_iter()
            .flat_map(|m| m.objects.iter().flat_map(|(n, e)| written(n, e)))
            .map(|(n, _)| n)
            .filter(|name| !names.contains(*name))
            .map(str::to_string)
            .collect();
        // What a cut-short publish may have left under other names: only
        // what is there (a store that publishes atomically left nothing).
        for name in &self.dirty {
            let left = may_be_left(name)
                && !names.contains(name)
                && !stale.contains(name)
                && read.get(name).is_some_and(|found| *found != Found::Nothing);
            if left {
                stale.insert(name.clone());
            }
        }
        let manifest_unchanged = due.is_empty() && prev == Some(&manifest);
        Plan {
            unchanged: due.is_empty()
                && stale.is_empty()
                && manifest_unchanged
                && self.previous.signature_current,
            manifest,
            due,
            stale: stale.into_iter().collect(),
            dirty: self.dirty,
            precompress: self.settings.precompress,
        }
    }

    /// Whether a published entry has the siblings this run wants: both
    /// codings for a text object with `precompress`, none otherwise.
    fn has_wanted_encodings(&self, entry: &ObjectEntry) -> bool {
        let wanted = self.settings.precompress && (self.settings.compressible)(&entry.content_type);
        if wanted {
            Coding::ALL.iter().all(|c| entry.encodings.contains_key(c))
        } else {
            entry.encodings.is_empty()
        }
    }
}

/// Every name a published entry was written under (its own, then its
/// siblings'), with the sha256 listed for it.
fn written<'e>(name: &'e str, entry: &'e ObjectEntry) -> impl Iterator<Item = (&'e str, &'e str)> {
    std::iter::once((name, entry.sha256.as_str())).chain(
        entry
            .encodings
            .values()
            .map(|e| (e.name.as_str(), e.sha256.as_str())),
    )
}

/// Whether a dirty name may be a published object a cut-short publish
/// left behind (bookkeeping names, hidden or not, never are).
fn may_be_left(name: &str) -> bool {
    !name.starts_with('.') && name != MANIFEST && name != STATUS
}

/// What a refresh writes, decided without rendering anything.
#[derive(Debug)]
pub struct Plan {
    /// The next manifest: `objects` holds the entries carried over; the
    /// due objects' entries are added as they are written.
    pub manifest: Manifest,
    /// Objects to render and write, in write order.
    pub due: Vec<Due>,
    /// Objects to remove.
    pub stale: Vec<String>,
    /// Whether there is nothing to write: nothing due or stale, the
    /// manifest as published and the signature current.
    pub unchanged: bool,
    /// The names planned with as dirty.
    pub dirty: BTreeSet<String>,
    /// Whether text objects get `.gz` and `.br` siblings.
    pub precompress: bool,
}

impl Plan {
    /// The journal of a publish of this plan: every name it may write
    /// (the due objects' and, with `precompress`, their `.gz` and `.br`
    /// siblings: only text objects get them, but the name of one that does
    /// not is harmless here), every name it removes, and every name still
    /// dirty. After a lost compare-and-swap these are the next plan's
    /// dirty names.
    pub fn journal(&self, feed: &Feed) -> BTreeSet<String> {
        let due = self.due.iter().flat_map(|d| d.names(feed));
        due.flat_map(|name| {
            let siblings = Coding::ALL
                .iter()
                .filter(|_| self.precompress)
                .map(|c| c.sibling(&name))
                .collect::<Vec<_>>();
            std::iter::once(name).chain(siblings)
        })
        .chain(self.stale.iter().cloned())
        .chain(self.dirty.iter().cloned())
        .collect()
    }
}
