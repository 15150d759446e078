//! CVSS vectors: finding them in announcement text, scoring them with the
//! `cvss` crate, and checking what the announcement states against them.
//!
//! Owns vector normalisation and the score/severity consistency check. It
//! does not decide which part of a body to look in; callers pass the text.

use std::sync::LazyLock;

use regex::Regex;

use super::{Rating, Severity, Warning};

/// A vector somewhere in text: `CVSS:3.1/AV:N/…`, any case.
static VECTOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bCVSS:[0-9]\.[0-9](?:/[A-Za-z]{1,3}:[A-Za-z]{1,3})+").expect("valid regex")
});

/// Links and bare URLs, removed before looking for stated scores.
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\]\([^)\s]*\)|https?://\S+").expect("valid regex"));

/// A stated decimal score: `8.8`, `10.0`, not part of a longer token.
static DECIMAL_SCORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\w.:/-])(10\.0|[0-9]\.[0-9])(?:$|[^\w.])").expect("valid regex")
});

/// A bold whole-number score as srctl prints it: `**9**`.
static BOLD_INT_SCORE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\*\*(10|[0-9])\*\*").expect("valid regex"));

/// A severity word.
static RATING_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(none|low|medium|high|critical)\b").expect("valid regex"));

/// Every vector in `text`, in order, as written.
pub fn find_vectors(text: &str) -> Vec<&str> {
    VECTOR.find_iter(text).map(|m| m.as_str()).collect()
}

/// Why a vector cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    /// Not a v3.0, v3.1 or v4.0 vector (CVSS v2, say).
    #[error("CVSS vector {vector:?} is not CVSS v3.0, v3.1 or v4.0")]
    UnsupportedVersion {
        /// The vector as written.
        vector: String,
    },
    /// The `cvss` crate rejects it.
    #[error("CVSS vector {vector:?} is invalid: {cause}")]
    Invalid {
        /// The vector as written.
        vector: String,
        /// What the `cvss` crate says (part of this message, so not a
        /// separate source).
        cause: cvss::Error,
    },
    /// A v3 vector without all eight base metrics.
    #[error("CVSS vector {vector:?} lacks base metric(s) {}", missing.join(", "))]
    MissingMetrics {
        /// The vector as written.
        vector: String,
        /// The missing metrics (`AV`, `AC`, …).
        missing: Vec<&'static str>,
    },
}

/// Score a vector (v3.0, v3.1 or v4.0). The result carries the vector in
/// canonical form (upper case, `CVSS:` prefix, metrics in standard order).
pub fn score(vector: &str) -> Result<Severity, CvssError> {
    let upper = vector.trim().trim_end_matches('/').to_ascii_uppercase();
    if !(upper.starts_with("CVSS:3.0/")
        || upper.starts_with("CVSS:3.1/")
        || upper.starts_with("CVSS:4.0/"))
    {
        return Err(CvssError::UnsupportedVersion {
            vector: vector.to_string(),
        });
    }
    let parsed: cvss::Cvss = upper.parse().map_err(|cause| CvssError::Invalid {
        vector: vector.to_string(),
        cause,
    })?;
    if let cvss::Cvss::CvssV30(_) | cvss::Cvss::CvssV31(_) = parsed {
        let present: Vec<&str> = parsed.metrics().map(|(m, _)| m.name()).collect();
        let missing: Vec<&str> = BASE_V3
            .into_iter()
            .filter(|m| !present.contains(m))
            .collect();
        if !missing.is_empty() {
            return Err(CvssError::MissingMetrics {
                vector: vector.to_string(),
                missing,
            });
        }
    }
    let score = parsed.score();
    Ok(Severity {
        vector: parsed.to_string(),
        score,
        rating: Rating::of_score(score),
    })
}

/// The base metrics of each CVSS version, in standard order.
const BASE_V3: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
const BASE_V4: [&str; 11] = [
    "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
];

/// The prefix and base metrics of a vector, as written otherwise:
/// `CVSS:3.1/AV:N/…/A:H/E:F/CR:H` gives `CVSS:3.1/AV:N/…/A:H`.
pub fn base_vector(vector: &str) -> String {
    let mut parts = vector.trim().split('/');
    let prefix = parts.next().unwrap_or_default();
    let base: &[&str] = if prefix.eq_ignore_ascii_case("CVSS:4.0") {
        &BASE_V4
    } else {
        &BASE_V3
    };
    let mut out = prefix.to_string();
    for part in parts {
        let metric = part.split(':').next().unwrap_or_default();
        if base.iter().any(|b| b.eq_ignore_ascii_case(metric)) {
            out.push('/');
            out.push_str(part);
        }
    }
    out
}

/// What a line of text states besides the vector: a score and a band.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stated {
    /// A base score, if the text gives one.
    pub score: Option<f64>,
    /// A severity band, if the text gives one.
    pub rating: Option<Rating>,
}

/// The score and severity a line states, vectors and links removed.
pub fn stated(line: &str) -> Stated {
    let without_vectors = VECTOR.replace_all(line, " ");
    let cleaned = URL.replace_all(&without_vectors, " ");
    let score = DECIMAL_SCORE
        .captures(&cleaned)
        .or_else(|| BOLD_INT_SCORE.captures(&cleaned))
        .and_then(|c| c[1].parse::<f64>().ok());
    let rating = RATING_WORD
        .captures(&cleaned)
        .and_then(|c| Rating::from_word(&c[1]));
    Stated { score, rating }
}

/// Problems with what `stated` says about `severity`, one warning each.
pub fn disagreements(severity: &Severity, stated: Stated) -> Vec<Warning> {
    let mut out = Vec::new();
    if let Some(s) = stated.score
        && (s - severity.score).abs() > 0.05
    {
        out.push(Warning::ScoreMismatch {
            stated: s,
            vector: severity.vector.clone(),
            score: severity.score,
        });
    }
    if let Some(r) = stated.rating
        && r != severity.rating
    {
        out.push(Warning::RatingMismatch {
            stated: r,
            vector: severity.vector.clone(),
            rating: severity.rating,
            score: severity.score,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporal_and_environmental_metrics_stay_in_the_vector_not_the_base() {
        let s = score("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/E:F/CR:H/IR:H").unwrap();
        assert_eq!(
            s.vector,
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/E:F/CR:H/IR:H"
        );
        assert_eq!(
            s.base_vector(),
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"
        );
        assert_eq!(s.score, 8.8);
        let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A";
        assert_eq!(
            base_vector(v4),
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        );
    }

    #[test]
    fn scores_v30_v31_v40_and_normalises() {
        let s = score("CVSS:3.1/av:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!(s.vector, "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
        assert_eq!(s.score, 8.8);
        assert_eq!(s.rating, Rating::High);
        let s = score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!((s.score, s.rating), (9.8, Rating::Critical));
        let s = score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!((s.score, s.rating), (9.3, Rating::Critical));
        // Temporal metrics are kept; the base score ignores them.
        let s = score("CVSS:3.0/AV:N/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N/E:F").unwrap();
        assert_eq!(s.vector, "CVSS:3.0/AV:N/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N/E:F");
        assert_eq!(s.rating, Rating::Low);
    }

    #[test]
    fn rejects_bad_vectors_with_a_reason() {
        let missing = score("CVSS:3.1/AV:N/AC:L").unwrap_err();
        assert_eq!(
            missing,
            CvssError::MissingMetrics {
                vector: "CVSS:3.1/AV:N/AC:L".into(),
                missing: vec!["PR", "UI", "S", "C", "I", "A"],
            }
        );
        assert_eq!(
            missing.to_string(),
            "CVSS vector \"CVSS:3.1/AV:N/AC:L\" lacks base metric(s) PR, UI, S, C, I, A"
        );
        assert!(matches!(
            score("CVSS:3.1/AV:Q/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"),
            Err(CvssError::Invalid { .. })
        ));
        assert_eq!(
            score("AV:N/AC:L/Au:N/C:P/I:P/A:P"),
            Err(CvssError::UnsupportedVersion {
                vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P".into()
            })
        );
        assert!(score("CVSS:4.0/AV:N").is_err());
    }

    #[test]
    fn finds_vectors_in_links_and_prose() {
        let line = "rated LOW ([CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N](https://www.first.org/cvss/calculator/3.1#CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N)) (score: 3.4).";
        assert_eq!(
            find_vectors(line),
            [
                "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N",
                "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N"
            ]
        );
        assert_eq!(
            stated(line),
            Stated {
                score: Some(3.4),
                rating: Some(Rating::Low)
            }
        );
    }

    #[test]
    fn stated_forms() {
        let cases: &[(&str, Option<f64>, Option<Rating>)] = &[
            (
                "CVSS Rating: **9** (CRITICAL) [CVSS:3.1/AV:N](https://x.example/3.1#CVSS:3.1/AV:N)",
                Some(9.0),
                Some(Rating::Critical),
            ),
            (
                "CVSS Rating: 8.8 (Medium) [CVSS:3.1/AV:N](u)",
                Some(8.8),
                Some(Rating::Medium),
            ),
            (
                "**CVSS Rating:**  [CVSS:3.1/AV:N](https://www.first.org/cvss/calculator/3-1#CVSS:3.1/AV:N) — **Medium (6.5)**",
                Some(6.5),
                Some(Rating::Medium),
            ),
            (
                "CVSS Rating: [CVSS:3.1/AV:N](u) (Score: 9.8, Critical)",
                Some(9.8),
                Some(Rating::Critical),
            ),
            (
                "rated Medium with a CVSS v3.1 score of 5.9 ([CVSS:3.1/AV:N](u))",
                Some(5.9),
                Some(Rating::Medium),
            ),
            (
                "CVSS Rating: [CVSS:3.1/AV:N](https://www.first.org/cvss/calculator/3.1#CVSS:3.1/AV:N)",
                None,
                None,
            ),
        ];
        for (line, score, rating) in cases {
            assert_eq!(
                stated(line),
                Stated {
                    score: *score,
                    rating: *rating
                },
                "{line}"
            );
        }
    }

    #[test]
    fn disagreement_messages_name_the_problem() {
        let s = score("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert!(
            disagreements(
                &s,
                Stated {
                    score: Some(8.8),
                    rating: Some(Rating::High)
                }
            )
            .is_empty()
        );
        let w = disagreements(
            &s,
            Stated {
                score: Some(9.0),
                rating: Some(Rating::Medium),
            },
        );
        let vector = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H".to_string();
        assert_eq!(
            w,
            [
                Warning::ScoreMismatch {
                    stated: 9.0,
                    vector: vector.clone(),
                    score: 8.8
                },
                Warning::RatingMismatch {
                    stated: Rating::Medium,
                    vector: vector.clone(),
                    rating: Rating::High,
                    score: 8.8
                }
            ]
        );
        assert_eq!(
            w[0].to_string(),
            format!("the announcement states CVSS score 9 but {vector} scores 8.8")
        );
        assert_eq!(
            w[1].to_string(),
            format!("the announcement states severity MEDIUM but {vector} is rated HIGH (8.8)")
        );
    }
}
