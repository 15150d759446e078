//! The English the report formats share, written from the model's enums:
//! the model decides what is so, this module says it in words.

use crate::check::FixState;

/// Whether a fix exists, in words, for tables.
pub(super) fn fix_state(fix: FixState) -> &'static str {
    match fix {
        FixState::Fixed => "fixed",
        FixState::NoFix => "no fix exists",
        FixState::NotStated => "fixed version not stated",
    }
}

/// `s` with its first letter upper case.
pub(super) fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_states_in_words() {
        assert_eq!(fix_state(FixState::Fixed), "fixed");
        assert_eq!(fix_state(FixState::NoFix), "no fix exists");
        assert_eq!(fix_state(FixState::NotStated), "fixed version not stated");
        assert_eq!(capitalised(fix_state(FixState::NoFix)), "No fix exists");
        assert_eq!(capitalised(""), "");
    }
}
