//! When each Kubernetes minor release was supported: one small table of
//! facts, so that "1.27 is out of support" is looked up, not guessed.
//!
//! Source: the Kubernetes project's release history and end-of-life dates
//! as kubernetes.io publishes them (<https://kubernetes.io/releases/> and
//! <https://kubernetes.io/releases/patch-releases/>), as also collected by
//! <https://endoflife.date/kubernetes>. From 1.19 on a minor line is
//! supported for about fourteen months (one year, then two months of
//! maintenance); before, for about nine. The table ends at the newest
//! minor whose dates were known when it was last updated
//! ([`TABLE_ENDS_AT`]); a newer minor is "not in the table", never
//! assumed to be supported or not.
//!
//! Owns these dates and the look-ups over them. Pure: the caller passes
//! the day.

use chrono::NaiveDate;
use semver::Version;

/// One minor line of Kubernetes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minor {
    /// `1`.
    pub major: u64,
    /// `27`.
    pub minor: u64,
    /// Its `.0` release.
    pub released: NaiveDate,
    /// The end of its support: no patch release after this day.
    pub end_of_life: NaiveDate,
}

impl std::fmt::Display for Minor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

const fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("a valid date"),
    }
}

const fn minor(minor: u64, released: NaiveDate, end_of_life: NaiveDate) -> Minor {
    Minor {
        major: 1,
        minor,
        released,
        end_of_life,
    }
}

/// Every minor line from 1.10 on, oldest first.
pub const TABLE: &[Minor] = &[
    minor(10, day(2018, 3, 26), day(2019, 2, 13)),
    minor(11, day(2018, 6, 27), day(2019, 5, 1)),
    minor(12, day(2018, 9, 27), day(2019, 7, 8)),
    minor(13, day(2018, 12, 3), day(2019, 10, 15)),
    minor(14, day(2019, 3, 25), day(2019, 12, 11)),
    minor(15, day(2019, 6, 19), day(2020, 5, 6)),
    minor(16, day(2019, 9, 18), day(2020, 9, 2)),
    minor(17, day(2019, 12, 9), day(2021, 1, 13)),
    minor(18, day(2020, 3, 25), day(2021, 6, 18)),
    minor(19, day(2020, 8, 26), day(2021, 10, 28)),
    minor(20, day(2020, 12, 8), day(2022, 2, 28)),
    minor(21, day(2021, 4, 8), day(2022, 6, 28)),
    minor(22, day(2021, 8, 4), day(2022, 10, 28)),
    minor(23, day(2021, 12, 7), day(2023, 2, 28)),
    minor(24, day(2022, 5, 3), day(2023, 7, 28)),
    minor(25, day(2022, 8, 23), day(2023, 10, 28)),
    minor(26, day(2022, 12, 9), day(2024, 2, 28)),
    minor(27, day(2023, 4, 11), day(2024, 6, 28)),
    minor(28, day(2023, 8, 15), day(2024, 10, 28)),
    minor(29, day(2023, 12, 13), day(2025, 2, 28)),
    minor(30, day(2024, 4, 17), day(2025, 6, 28)),
    minor(31, day(2024, 8, 13), day(2025, 10, 28)),
    minor(32, day(2024, 12, 11), day(2026, 2, 28)),
    minor(33, day(2025, 4, 23), day(2026, 6, 28)),
    minor(34, day(2025, 8, 27), day(2026, 10, 27)),
    minor(35, day(2025, 12, 17), day(2027, 2, 28)),
];

/// The newest minor line in [`TABLE`].
pub const TABLE_ENDS_AT: (u64, u64) = (1, 35);

/// Where a version's minor line stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Supported: patch releases still come.
    Supported(Minor),
    /// Past its end of life.
    EndOfLife(Minor),
    /// Older than the table (before 1.10): long out of support.
    OlderThanTable,
    /// Newer than the table: its dates are not known here.
    NotInTable,
}

/// The minor line of `v` in the table.
pub fn minor_of(v: &Version) -> Option<&'static Minor> {
    TABLE
        .iter()
        .find(|m| m.major == v.major && m.minor == v.minor)
}

/// Where `v`'s minor line stands on `today`.
pub fn support(v: &Version, today: NaiveDate) -> Support {
    match minor_of(v) {
        Some(m) if today > m.end_of_life => Support::EndOfLife(*m),
        Some(m) => Support::Supported(*m),
        None if (v.major, v.minor) > TABLE_ENDS_AT => Support::NotInTable,
        None => Support::OlderThanTable,
    }
}

/// The minor lines supported on `day` (released on or before it, not past
/// their end of life), oldest first.
pub fn supported_on(day: NaiveDate) -> Vec<Minor> {
    TABLE
        .iter()
        .filter(|m| m.released <= day && day <= m.end_of_life)
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn the_table_is_ordered_and_each_line_ends_after_it_starts() {
        for pair in TABLE.windows(2) {
            assert_eq!(pair[0].minor + 1, pair[1].minor);
            assert!(pair[0].released < pair[1].released, "{}", pair[1]);
            assert!(pair[0].end_of_life < pair[1].end_of_life, "{}", pair[1]);
        }
        for m in TABLE {
            assert!(m.released < m.end_of_life, "{m}");
        }
        let last = TABLE.last().unwrap();
        assert_eq!((last.major, last.minor), TABLE_ENDS_AT);
    }

    #[test]
    fn support_on_a_day() {
        let today = day(2026, 12, 7);
        assert_eq!(
            support(&v("1.27.1"), today),
            Support::EndOfLife(*minor_of(&v("1.27.0")).unwrap())
        );
        assert!(matches!(support(&v("1.35.2"), today), Support::Supported(m) if m.minor == 35));
        assert_eq!(support(&v("1.9.3"), today), Support::OlderThanTable);
        assert_eq!(support(&v("1.36.0"), today), Support::NotInTable);
        // The last day of support is still supported.
        assert!(matches!(
            support(&v("1.27.1"), day(2024, 6, 28)),
            Support::Supported(_)
        ));
    }

    #[test]
    fn the_lines_supported_when_a_cve_was_published() {
        // CVE-2025-5187 was published on 2025-08-27, the day 1.34 came out;
        // its record assesses 1.31 to 1.33 (and 1.34 was released fixed).
        let lines: Vec<String> = supported_on(day(2025, 8, 26))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(lines, ["1.31", "1.32", "1.33"]);
    }
}
