//! Text hygiene shared by the XML and HTML formats, and [`html_text`], the
//! HTML form of issue text for the feed fields readers treat as HTML.

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

/// Like [`xml_safe`], and also replace what HTML treats as a parse error
/// in the input stream: DEL and the C1 controls (U+007F–U+009F) and the
/// Unicode noncharacters (U+FDD0–U+FDEF and every U+xFFFE / U+xFFFF).
pub fn html_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let forbidden = |c: char| {
        let n = u32::from(c);
        ('\u{7F}'..='\u{9F}').contains(&c)
            || ('\u{FDD0}'..='\u{FDEF}').contains(&c)
            || n & 0xFFFE == 0xFFFE
    };
    match xml_safe(s) {
        cleaned if !cleaned.chars().any(forbidden) => cleaned,
        cleaned => std::borrow::Cow::Owned(
            cleaned
                .chars()
                .map(|c| if forbidden(c) { '\u{FFFD}' } else { c })
                .collect(),
        ),
    }
}

/// `s`, made [`html_safe`], as HTML that shows exactly that text: `&`, `<`,
/// `>`, `"` and `'` become character references, as kubernetes.io's RSS
/// template does with `htmlEscape`. For the fields a feed reader treats as
/// HTML (an RSS `description`, an Atom text of `type="html"`); the XML
/// serializer then escapes the result once more, as XML. (`html_safe`, not
/// only `xml_safe`: an HTML reader would show a C1 control as another
/// character, U+0085 as `…`.)
pub fn html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in html_safe(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `url` as an absolute `http` or `https` URL in its normalised, serialised
/// form (characters such as `"` or `<` percent-encoded), else `None`: links
/// that come from GitHub data are only ever put into `href` through this,
/// so a `javascript:` or `data:` URL never becomes a link.
pub fn http_url(url: &str) -> Option<String> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let parsed = url::Url::parse(url).ok()?;
    (matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some())
        .then(|| parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_unsafe_characters_are_replaced() {
        assert_eq!(
            html_safe("a\u{0}b\u{7F}c\u{85}d\u{FDD0}e\u{1FFFF}f"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f"
        );
        assert_eq!(html_safe("<&>\u{202E}😀"), "<&>\u{202E}😀");
    }

    #[test]
    fn html_text_escapes_markup_and_keeps_the_rest() {
        assert_eq!(
            html_text("<img src=x onerror=\"a('1')\"> & <world-accessible dir>\u{0}"),
            "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt; &amp; &lt;world-accessible dir&gt;\u{FFFD}"
        );
        assert_eq!(html_text("plain ]]> 😀\n"), "plain ]]&gt; 😀\n");
        assert_eq!(html_text("c1\u{85}\u{FDD0}"), "c1\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn only_http_urls_are_links() {
        for ok in [
            "https://github.com/kubernetes/kubernetes/issues/1",
            "http://example.com/a?b=c&d=e",
        ] {
            assert_eq!(http_url(ok).as_deref(), Some(ok));
        }
        assert_eq!(
            http_url("https://example.com/i?a=\"x\"<y>").as_deref(),
            Some("https://example.com/i?a=%22x%22%3Cy%3E")
        );
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "//evil.example/x",
            "/relative",
            "https://exa mple.com/",
            "https://example.com/\u{0}",
            "",
        ] {
            assert_eq!(http_url(bad), None, "{bad:?} accepted");
        }
    }

    #[test]
    fn forbidden_characters_are_replaced() {
        assert_eq!(
            xml_safe("a\u{0}b\u{1b}c\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
        assert_eq!(xml_safe("ok\t\r\n<&>\u{202E}😀"), "ok\t\r\n<&>\u{202E}😀");
    }
}
