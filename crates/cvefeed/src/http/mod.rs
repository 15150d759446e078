//! The one setup of every outbound HTTP client, and the one bounded read
//! of a response body: the GitHub API ([`crate::github`]), the CVE
//! Services API ([`crate::cverecords`]), build hooks and the failure alert
//! ([`crate::hooks`]), a publication read over HTTP by `cvefeed verify`
//! ([`crate::verify`]), and the feed download of `cvefeed check`
//! ([`crate::check::source`]).
//!
//! Each client gets the same `User-Agent`, one timeout for connecting and
//! one for the whole exchange, rustls (with aws-lc-rs, the only TLS
//! provider built in), and the redirect rule its caller states. A body is
//! read with [`read_bounded`]: refused at once when its `Content-Length`
//! is over the caller's limit, and never held past it. A user name and
//! password in a URL given by the user are taken out of it
//! ([`take_userinfo`]) and sent as basic authentication ([`BasicAuth`]),
//! so that the URL can be shown (GitHub API, `verify`).
//!
//! This module owns how clients are built and how a body is read; its
//! submodules own how secrets are kept out of what is shown ([`mod@redact`])
//! and the conditional-GET cache ([`cache`]). It never sends a request and
//! knows nothing of what is asked. Object storage (`object_store`) and the
//! cluster client (`kube`) build their own clients.

pub mod cache;
pub mod redact;

use std::time::Duration;

pub use redact::{BasicAuth, SecretUrl, carries_secrets, redact_input, redact_url, take_userinfo};

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

/// Why a body could not be read whole.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// It is larger than the limit (by its `Content-Length`, or by what
    /// arrived); what was read is dropped.
    #[error("the body is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// Reading it failed (connection, timeout); the error still names the
    /// URL, which the caller may want to drop (`without_url`).
    #[error("reading the body failed")]
    Read(#[source] reqwest::Error),
}

/// The body of `response`, if it is at most `limit` bytes. A
/// `Content-Length` over the limit is refused before anything is read,
/// and a body that grows past it is refused with the first chunk that
/// would cross it: no more than `limit` bytes are ever kept.
pub async fn read_bounded(response: reqwest::Response, limit: u64) -> Result<Vec<u8>, BodyError> {
    read_bounded_with(response, limit, |_| ()).await
}

/// [`read_bounded`], handing each chunk kept to `on_chunk` as it arrives
/// (to write it to a file as well, say).
pub async fn read_bounded_with(
    mut response: reqwest::Response,
    limit: u64,
    mut on_chunk: impl FnMut(&[u8]),
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if (body.len() as u64).saturating_add(chunk.len() as u64) > limit {
            return Err(BodyError::TooLarge { limit });
        }
        on_chunk(&chunk);
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A server on loopback that answers one request with `head`, then
    /// `body`, and then keeps the connection open without a word.
    async fn server(head: &'static str, body: Vec<u8>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf).await;
            let _ = conn.write_all(head.as_bytes()).await;
            let _ = conn.write_all(&body).await;
            tokio::time::sleep(Duration::from_secs(60)).await;
        });
        format!("http://{addr}/")
    }

    async fn get(url: &str) -> reqwest::Response {
        builder(Duration::from_secs(30), Redirects::Never)
            .build()
            .unwrap()
            .get(url)
            .send()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_content_length_over_the_limit_is_refused_before_reading() {
        // The body never comes: reading it would wait for the timeout.
        let url = server("HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n", vec![]).await;
        let read =
            tokio::time::timeout(Duration::from_secs(5), read_bounded(get(&url).await, 1000));
        let result = read.await.expect("refused at once");
        assert!(
            matches!(result, Err(BodyError::TooLarge { limit: 1000 })),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn a_body_that_grows_past_the_limit_is_refused_and_chunks_are_seen_until_then() {
        let chunked = |n: usize| {
            let mut body = Vec::new();
            for _ in 0..n {
                body.extend_from_slice(b"4\r\nabcd\r\n");
            }
            body
        };
        let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        let url = server(head, chunked(100)).await;
        let mut seen = 0;
        let read = read_bounded_with(get(&url).await, 10, |c| seen += c.len());
        let result = tokio::time::timeout(Duration::from_secs(5), read)
            .await
            .unwrap();
        assert!(
            matches!(result, Err(BodyError::TooLarge { limit: 10 })),
            "{result:?}"
        );
        assert!(seen <= 10, "{seen}");

        // At the limit exactly: read whole.
        let mut body = chunked(2);
        body.extend_from_slice(b"0\r\n\r\n");
        let url = server(head, body).await;
        assert_eq!(read_bounded(get(&url).await, 8).await.unwrap(), b"abcdabcd");
    }
}
