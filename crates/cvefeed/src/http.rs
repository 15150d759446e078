//! The one setup of every outbound HTTP client: the GitHub API
//! ([`crate::github`]), build hooks and the failure alert
//! ([`crate::hooks`]), and the feed download of `cvefeed check`
//! ([`crate::check::source`]).
//!
//! Each client gets the same `User-Agent`, one timeout for connecting and
//! one for the whole exchange, rustls (with aws-lc-rs, the only TLS
//! provider built in), and the redirect rule its caller states. This
//! module owns how clients are built; it never sends a request and knows
//! nothing of what is asked. Object storage (`object_store`) and the
//! cluster client (`kube`) build their own clients.

use std::time::Duration;

/// `User-Agent` of every request: `cvefeed/<version>`.
pub const USER_AGENT: &str = concat!("cvefeed/", env!("CARGO_PKG_VERSION"));

/// What a client does with a redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// Follow up to ten. Credentials in headers (`Authorization`) are
    /// dropped when a redirect leads to another host.
    Follow,
    /// Never follow: the 3xx is the answer. For URLs that carry a secret,
    /// which a redirect target would receive as well.
    Never,
    /// Follow up to ten within the origin (scheme, host and port) of the
    /// first request; a redirect elsewhere is the answer, for the caller
    /// to refuse. For an API whose data must come from the host it named.
    SameOrigin,
}

/// A client builder with the shared settings; callers add their own
/// default headers and build it.
pub fn builder(timeout: Duration, redirects: Redirects) -> reqwest::ClientBuilder {
    let policy = match redirects {
        Redirects::Follow => reqwest::redirect::Policy::default(),
        Redirects::Never => reqwest::redirect::Policy::none(),
        Redirects::SameOrigin => reqwest::redirect::Policy::custom(|attempt| {
            let same = attempt
                .previous()
                .first()
                .is_some_and(|first| first.origin() == attempt.url().origin());
            if same && attempt.previous().len() <= 10 {
                attempt.follow()
            } else {
                attempt.stop()
            }
        }),
    };
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(policy)
}
