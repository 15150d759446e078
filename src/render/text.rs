//! Text hygiene shared by the XML and HTML formats.

/// Replace characters that XML 1.0 forbids (NUL, most C0 controls, lone
/// surrogates cannot occur in `str`, U+FFFE/U+FFFF) with U+FFFD, so that
/// any issue text can go into a well-formed document. Escaping of `<`, `&`
/// and quotes is the serializer's job, not this one's.
pub fn xml_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    if s.chars().all(allowed) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(
            s.chars()
                .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_are_replaced() {
        assert_eq!(
            xml_safe("a\u{0}b\u{1b}c\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
        assert_eq!(xml_safe("ok\t\r\n<&>\u{202E}😀"), "ok\t\r\n<&>\u{202E}😀");
    }
}
