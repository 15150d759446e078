//! The `json osv` block that srctl embeds in new announcements.
//!
//! Owns finding the block and reading it with its known quirks: schema
//! 1.6.0, versions with or without `v`, `introduced: "0"` on every pair, all
//! pairs in one range, plain component names instead of Go modules, Go's
//! HTML escaping (`\u003c`, which JSON decoding undoes), the vector given as
//! the CVSS "score", hand edits and CRLF line ends. A block that cannot be
//! read becomes a warning, never a failure.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::components;
use super::cvss;
use super::ranges;
use super::{Affected, Coverage, Severity, Upper, VersionRange, Warning};

/// The opening fence of the block: ```` ```json osv ````.
static OPENING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*(```+|~~~+)[ \t]*json[ \t]+osv[ \t]*$").expect("valid regex")
});

/// What the block says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    /// The scored vector, if the block has a valid one.
    pub severity: Option<Severity>,
    /// Affected components and their normalised ranges.
    pub affected: Vec<Affected>,
    /// Reference URLs other than cve.org and the CVSS calculator.
    pub references: Vec<String>,
}

/// The block's text, and the body with the block removed. `body` must have
/// LF line ends.
pub fn split(body: &str) -> Option<(&str, String)> {
    let open = OPENING.captures(body)?;
    let whole = open.get(0)?;
    let fence = open.get(1)?.as_str();
    let content_start = (whole.end() + 1).min(body.len());
    let rest = &body[content_start..];
    let mut offset = 0;
    let mut content_end = rest.len();
    let mut block_end = body.len();
    for line in rest.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with(fence) && t.chars().all(|c| c == '`' || c == '~') {
            content_end = offset;
            block_end = content_start + offset + line.len();
            break;
        }
        offset += line.len();
    }
    let json = &rest[..content_end];
    let mut without = String::with_capacity(body.len());
    without.push_str(&body[..whole.start()]);
    without.push_str(&body[block_end..]);
    Some((json, without))
}

/// Read the block's JSON. `None` with a warning when it is not a JSON object.
pub fn read(json: &str, warnings: &mut Vec<Warning>) -> Option<Block> {
    let value: Value = match serde_json::from_str(json) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            warnings.push(Warning::OsvBlockNotAnObject);
            return None;
        }
        Err(e) => {
            warnings.push(Warning::OsvBlockInvalid {
                reason: e.to_string(),
            });
            return None;
        }
    };
    let mut block = Block::default();
    for s in value["severity"].as_array().into_iter().flatten() {
        let Some(vector) = s["score"].as_str() else {
            warnings.push(Warning::OsvSeverityWithoutScore);
            continue;
        };
        match cvss::score(vector) {
            Ok(sev) => {
                block.severity = Some(sev);
                break;
            }
            Err(e) => warnings.push(Warning::OsvCvss(e)),
        }
    }
    for (n, entry) in value["affected"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(name) = entry["package"]["name"]
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            warnings.push(Warning::OsvAffectedWithoutName { index: n });
            continue;
        };
        let known = components::lookup(name);
        if known.is_none() {
            warnings.push(Warning::UnknownComponent {
                name: crate::clip(name),
            });
        }
        let component =
            known.map_or_else(|| components::unknown_name(name), |c| c.name.to_string());
        let mut raw = Vec::new();
        for range in entry["ranges"].as_array().into_iter().flatten() {
            let kind = range["type"].as_str().unwrap_or("");
            if kind != "SEMVER" && kind != "ECOSYSTEM" {
                warnings.push(Warning::OsvNotAVersionRange {
                    kind: crate::clip(kind),
                    component: component.clone(),
                });
                continue;
            }
            raw.extend(events(&component, &range["events"], warnings));
        }
        let ranges = ranges::normalise(&component, raw, &[], warnings);
        if ranges.is_empty() {
            warnings.push(Warning::OsvNoUsableRange { component });
            continue;
        }
        match block.affected.iter_mut().find(|a| a.component == component) {
            Some(a) => {
                let mut all = std::mem::take(&mut a.ranges);
                all.extend(ranges);
                a.ranges = ranges::normalise(&component, all, &[], warnings);
            }
            // OSV's events state where the affected versions begin: a
            // version before the first `introduced` is not affected.
            None => block.affected.push(Affected {
                package: known.map(|c| c.module.to_string()),
                component,
                ranges,
                fixed: Vec::new(),
                coverage: Coverage {
                    lower_bound_stated: true,
                    ..Coverage::default()
                },
            }),
        }
    }
    for r in value["references"].as_array().into_iter().flatten() {
        if let Some(url) = r["url"].as_str()
            && !url.contains("cve.org/")
            && !url.contains("first.org/cvss/calculator")
            && !block.references.iter().any(|u| u == url)
        {
            block.references.push(url.to_string());
        }
    }
    Some(block)
}

/// The ranges an OSV event list describes. `introduced: "0"` means "from
/// the beginning".
fn events(component: &str, events: &Value, warnings: &mut Vec<Warning>) -> Vec<VersionRange> {
    let mut out = Vec::new();
    let mut open: Option<Option<semver::Version>> = None;
    for event in events.as_array().into_iter().flatten() {
        let Some((kind, version)) = event
            .as_object()
            .and_then(|o| o.iter().next())
            .and_then(|(k, v)| v.as_str().map(|s| (k.as_str(), s.trim())))
        else {
            warnings.push(Warning::OsvMalformedEvent {
                component: component.to_string(),
            });
            continue;
        };
        let parsed = if kind == "introduced" && version == "0" {
            Some(None)
        } else {
            match ranges::parse_exact(version) {
                Some(v) => Some(Some(v)),
                None => {
                    warnings.push(Warning::OsvBadVersion {
                        kind: crate::clip(kind),
                        version: crate::clip(version),
                        component: component.to_string(),
                    });
                    None
                }
            }
        };
        let Some(parsed) = parsed else { continue };
        match kind {
            "introduced" => {
                if let Some(start) = open.take() {
                    out.push(VersionRange {
                        introduced: start,
                        upper: Upper::Open,
                    });
                }
                open = Some(parsed);
            }
            "fixed" | "last_affected" | "limit" => {
                let Some(v) = parsed else { continue };
                let upper = if kind == "last_affected" {
                    Upper::LastAffected(v)
                } else {
                    Upper::Fixed(v)
                };
                out.push(VersionRange {
                    introduced: open.take().unwrap_or(None),
                    upper,
                });
            }
            other => warnings.push(Warning::OsvUnknownEvent {
                kind: crate::clip(other),
                component: component.to_string(),
            }),
        }
    }
    if let Some(start) = open {
        out.push(VersionRange {
            introduced: start,
            upper: Upper::Open,
        });
    }
    out
}
