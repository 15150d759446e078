//! URLs that may carry secrets, shown without them.
//!
//! A URL given by the user can hold a credential in four places: the user
//! name and password (`https://user:token@host/…`), the query
//! (`?token=…`), the fragment, and (for build hooks and chat webhooks) the
//! path itself. This module owns the one type for such a URL
//! ([`SecretUrl`]), whose `Display` and `Debug` show only
//! `scheme://host[:port]/path` (or `scheme://host[:port]/…` when the path
//! is secret too), the same rule for a bare URL ([`redact_url`]) and for a
//! string that does not parse as a URL ([`redact_input`]), the predicate that says whether a URL carries any of
//! them ([`carries_secrets`]), and the split of a user name and password
//! into HTTP basic authentication ([`take_userinfo`], [`BasicAuth`]).
//! It never sends a request and never decides whether a secret is allowed:
//! callers refuse or accept what [`carries_secrets`] reports.

use std::fmt;

/// How much of a [`SecretUrl`] is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// `scheme://host[:port]/path`.
    Path,
    /// `scheme://host[:port]/…`: the path is a secret as well.
    Origin,
}

/// A URL that may carry secrets. The full URL is only for sending
/// ([`SecretUrl::expose`]); `Display` and `Debug` show
/// `scheme://host[:port]/path`, without user name, password, query and
/// fragment, or `scheme://host[:port]/…` for a URL whose path is secret too
/// ([`SecretUrl::hiding_path`]).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl {
    url: url::Url,
    shown: Shown,
}

impl SecretUrl {
    /// `url`, shown as `scheme://host[:port]/path`.
    pub fn new(url: url::Url) -> SecretUrl {
        SecretUrl {
            url,
            shown: Shown::Path,
        }
    }

    /// `url`, shown as `scheme://host[:port]/…`: for URLs whose path is the
    /// secret (build hooks, chat webhooks).
    pub fn hiding_path(url: url::Url) -> SecretUrl {
        SecretUrl {
            url,
            shown: Shown::Origin,
        }
    }

    /// The full URL, secrets and all: for sending only, never for a
    /// message, a log line or a report.
    pub fn expose(&self) -> &url::Url {
        &self.url
    }

    /// Whether the URL carries a user name, password, query or fragment
    /// ([`carries_secrets`]).
    pub fn carries_secrets(&self) -> bool {
        carries_secrets(&self.url)
    }
}

/// Write `url` as [`SecretUrl`] shows it.
fn write_shown(out: &mut impl fmt::Write, url: &url::Url, shown: Shown) -> fmt::Result {
    // `host_str` keeps the brackets of an IPv6 address.
    write!(
        out,
        "{}://{}",
        url.scheme(),
        url.host_str().unwrap_or_default()
    )?;
    if let Some(port) = url.port() {
        write!(out, ":{port}")?;
    }
    match shown {
        Shown::Path => out.write_str(url.path()),
        Shown::Origin => out.write_str("/…"),
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_shown(f, &self.url, self.shown)
    }
}

/// `url` as a [`SecretUrl`] shows it, `scheme://host[:port]/path`, for a
/// caller that holds a bare [`url::Url`] (a feed URL in a message).
pub fn redact_url(url: &url::Url) -> String {
    let mut shown = String::new();
    write_shown(&mut shown, url, Shown::Path).expect("writing to a String cannot fail");
    shown
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({self})")
    }
}

/// Whether `url` carries a user name, password, query or fragment: the
/// places a credential goes in a URL that is not a secret as a whole.
pub fn carries_secrets(url: &url::Url) -> bool {
    !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
}

/// The rule of [`SecretUrl`]'s `Display` for a `scheme://…` string that
/// does not parse as a URL (so that an error about it can still name it):
/// what looks like a user name and password, a query and a fragment are
/// left out. A string without `://` loses its query and fragment only.
pub fn redact_input(input: &str) -> String {
    let Some((scheme, rest)) = input.split_once("://") else {
        return input
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let path = tail.split(['?', '#']).next().unwrap_or_default();
    format!("{scheme}://{host}{path}")
}

/// User name and password taken out of a URL (`https://user:password@host`)
/// by [`take_userinfo`], sent as HTTP basic authentication, as the HTTP
/// client did with them in the URL. Kept out of the URL, so that no
/// message, log line or cache key can show them; `Debug` shows neither.
#[derive(Clone)]
pub struct BasicAuth {
    user: String,
    password: Option<String>,
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BasicAuth(<redacted>)")
    }
}

impl BasicAuth {
    /// The user name (percent-decoded).
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The password (percent-decoded), if any.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// `request` with these credentials.
    pub fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.basic_auth(&self.user, self.password.as_ref())
    }
}

/// Split the user name and password off `url`: the URL without them, and
/// them, if it had any.
pub fn take_userinfo(mut url: url::Url) -> (url::Url, Option<BasicAuth>) {
    if url.username().is_empty() && url.password().is_none() {
        return (url, None);
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let auth = BasicAuth {
        user: decode(url.username()),
        password: url.password().map(decode),
    };
    // Cannot fail for the http(s) URLs this is used on.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    (url, Some(auth))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(url: &str) -> String {
        SecretUrl::new(url.parse().unwrap()).to_string()
    }

    #[test]
    fn user_and_password_are_not_shown() {
        assert_eq!(
            shown("https://robot:S3CR3T@feeds.example/k8s/index.json"),
            "https://feeds.example/k8s/index.json"
        );
        assert_eq!(
            format!(
                "{:?}",
                SecretUrl::new("https://S3CR3T@feeds.example/x".parse().unwrap())
            ),
            "SecretUrl(https://feeds.example/x)"
        );
    }

    #[test]
    fn a_token_in_the_query_and_a_fragment_are_not_shown() {
        assert_eq!(
            shown("https://feeds.example/index.json?token=S3CR3T&x=1"),
            "https://feeds.example/index.json"
        );
        assert_eq!(
            shown("https://feeds.example/index.json#S3CR3T"),
            "https://feeds.example/index.json"
        );
    }

    #[test]
    fn a_port_is_shown_and_the_default_port_is_not() {
        assert_eq!(
            shown("http://u:p@127.0.0.1:8080/a/b?q"),
            "http://127.0.0.1:8080/a/b"
        );
        assert_eq!(shown("https://host:443/a"), "https://host/a");
    }

    #[test]
    fn an_ipv6_host_keeps_its_brackets() {
        assert_eq!(
            shown("http://user:S3CR3T@[::1]:9000/feed/index.json?k=v"),
            "http://[::1]:9000/feed/index.json"
        );
        assert_eq!(shown("https://[2001:db8::7]/"), "https://[2001:db8::7]/");
    }

    #[test]
    fn a_bare_url_is_shown_the_same_way() {
        let url = "https://robot:S3CR3T@[::1]:8443/feed/index.json?token=S3CR3T#f";
        assert_eq!(
            redact_url(&url.parse().unwrap()),
            "https://[::1]:8443/feed/index.json"
        );
        assert_eq!(redact_url(&url.parse().unwrap()), shown(url));
    }

    #[test]
    fn a_secret_path_is_not_shown_either() {
        let hook = SecretUrl::hiding_path(
            "https://api.netlify.com/build_hooks/s3cr3t?x=1"
                .parse()
                .unwrap(),
        );
        assert_eq!(hook.to_string(), "https://api.netlify.com/…");
        assert_eq!(format!("{hook:?}"), "SecretUrl(https://api.netlify.com/…)");
        let hook = SecretUrl::hiding_path("http://[::1]:8080/hook/s3cr3t".parse().unwrap());
        assert_eq!(hook.to_string(), "http://[::1]:8080/…");
        assert_eq!(
            hook.expose().as_str(),
            "http://[::1]:8080/hook/s3cr3t",
            "sent whole"
        );
    }

    #[test]
    fn which_urls_carry_secrets() {
        for (url, secret) in [
            ("https://robot:S3CR3T@cve.example/api", true),
            ("https://S3CR3T@cve.example/api", true),
            ("https://:S3CR3T@cve.example/api", true),
            ("https://cve.example/api?token=S3CR3T", true),
            ("https://cve.example/api#S3CR3T", true),
            ("https://cve.example:8443/api", false),
            ("http://[::1]/api/", false),
        ] {
            let url: url::Url = url.parse().unwrap();
            assert_eq!(carries_secrets(&url), secret, "{url}");
            assert_eq!(SecretUrl::new(url).carries_secrets(), secret);
        }
    }

    #[test]
    fn an_input_that_does_not_parse_is_cut_the_same_way() {
        assert_eq!(
            redact_input("https://user:S3CR3T@host:99999/feed?token=S3CR3T#f"),
            "https://host:99999/feed"
        );
        assert_eq!(redact_input("https://a@b@host"), "https://host");
        assert_eq!(redact_input("https://host?token=S3CR3T"), "https://host");
        assert_eq!(redact_input("no scheme?token=S3CR3T"), "no scheme");
    }

    #[test]
    fn userinfo_leaves_the_url() {
        let (url, auth) =
            take_userinfo("http://us%40er:S3c%2Fret@127.0.0.1:1/api".parse().unwrap());
        assert_eq!(url.as_str(), "http://127.0.0.1:1/api");
        let auth = auth.unwrap();
        assert_eq!(format!("{auth:?}"), "BasicAuth(<redacted>)");
        assert_eq!((auth.user(), auth.password()), ("us@er", Some("S3c/ret")));
        let (url, auth) = take_userinfo("https://host/x".parse().unwrap());
        assert_eq!((url.as_str(), auth.is_none()), ("https://host/x", true));
        let (url, auth) = take_userinfo("https://robot@[::1]:8/x".parse().unwrap());
        let auth = auth.unwrap();
        assert_eq!(url.as_str(), "https://[::1]:8/x");
        assert_eq!((auth.user(), auth.password()), ("robot", None));
    }

    #[test]
    fn a_plus_in_userinfo_is_a_plus_as_the_http_client_sends_it() {
        // Percent-decoding, not form decoding: `+` is no space here.
        let (_, auth) = take_userinfo("http://a+b:p+ss%20w@127.0.0.1:1/".parse().unwrap());
        let auth = auth.unwrap();
        assert_eq!((auth.user(), auth.password()), ("a+b", Some("p+ss w")));
    }
}
