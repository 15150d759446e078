//! A publication on a web server as a read-only [`Store`]: object `name`
//! is fetched as `base` + `name`, so that `verify` and `check` read a
//! directory, a bucket and a URL through the same trait.
//!
//! A user name and password in the base URL are taken out
//! ([`http::take_userinfo`]) and sent as basic authentication; the
//! location shown in messages never holds them, nor the query or fragment.
//! Every body is read within a limit, every request within a timeout.
//! Owns the mapping of HTTP answers onto the store's vocabulary (404 is a
//! missing object). Every write is refused with [`StoreError::ReadOnly`]:
//! nothing here sends anything but `GET`.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use reqwest::header::ETAG;

use super::{Fetched, Publication, PutMode, Store, StoreError, StoreLock, Version, check_name};
use crate::http::{self, BasicAuth, BodyError, Redirects};

/// The largest object [`Store::get`] reads (the same bound `verify` puts
/// on any object, whatever its manifest says).
pub const MAX_BODY: u64 = 1 << 30;

/// A web server's copy of a publication, read only.
#[derive(Debug)]
pub struct HttpStore {
    /// The base URL, ending in `/`, without user name, password, query
    /// or fragment: safe to show.
    base: url::Url,
    /// The user name and password that were in the URL given.
    auth: Option<BasicAuth>,
    client: reqwest::Client,
}

impl HttpStore {
    /// Open `location`, an `http(s)://` base URL: a trailing `/` is added;
    /// a user name and password are taken out and sent as basic
    /// authentication; a query or fragment, which no object URL would
    /// carry, is dropped. Each request times out after `timeout`.
    pub fn open(location: &str, timeout: Duration) -> Result<HttpStore, StoreError> {
        let base = url::Url::parse(location).map_err(StoreError::HttpLocation)?;
        let (mut base, auth) = http::take_userinfo(base);
        base.set_query(None);
        base.set_fragment(None);
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let client = http::builder(timeout, Redirects::Follow)
            .build()
            .map_err(StoreError::HttpClient)?;
        Ok(HttpStore { base, auth, client })
    }

    /// The credentials taken out of the URL, if any.
    pub fn auth(&self) -> Option<&BasicAuth> {
        self.auth.as_ref()
    }

    /// The URL of object `name` (without credentials).
    fn url(&self, name: &str) -> Result<url::Url, StoreError> {
        check_name(name)?;
        self.base
            .join(name)
            .map_err(|source| StoreError::ObjectUrl {
                name: name.to_string(),
                source,
            })
    }

    fn read_only(&self, op: &'static str, name: &str) -> StoreError {
        StoreError::ReadOnly {
            op,
            name: name.to_string(),
            location: self.location(),
        }
    }
}

#[async_trait]
impl Store for HttpStore {
    fn location(&self) -> String {
        self.base.to_string()
    }

    async fn get(&self, name: &str) -> Result<Option<Fetched>, StoreError> {
        self.get_limited(name, MAX_BODY).await
    }

    async fn get_limited(&self, name: &str, limit: u64) -> Result<Option<Fetched>, StoreError> {
        let url = self.url(name)?;
        let fetch_err = |source: reqwest::Error| StoreError::Fetch {
            url: url.to_string(),
            source: source.without_url(),
        };
        let mut request = self.client.get(url.clone());
        if let Some(auth) = &self.auth {
            request = auth.apply(request);
        }
        let response = request.send().await.map_err(fetch_err)?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(StoreError::HttpStatus {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        let version = Version(
            response
                .headers()
                .get(ETAG)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string(),
        );
        match http::read_bounded(response, limit).await {
            Ok(bytes) => Ok(Some(Fetched { bytes, version })),
            Err(BodyError::TooLarge { limit }) => Err(StoreError::TooLarge {
                name: name.to_string(),
                location: self.location(),
                limit,
            }),
            Err(BodyError::Read(e)) => Err(fetch_err(e)),
        }
    }

    async fn put(
        &self,
        name: &str,
        _bytes: Vec<u8>,
        _content_type: &str,
        _mode: PutMode,
    ) -> Result<(), StoreError> {
        Err(self.read_only("write", name))
    }

    async fn delete(&self, name: &str) -> Result<(), StoreError> {
        Err(self.read_only("remove", name))
    }

    async fn begin(&self) -> Result<Box<dyn Publication + '_>, StoreError> {
        Err(self.read_only("publish", "a publication"))
    }

    async fn lock(&self, _wait: Duration) -> Result<Option<StoreLock>, StoreError> {
        Err(self.read_only("lock", "the publication"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn open(location: &str) -> Result<HttpStore, StoreError> {
        HttpStore::open(location, Duration::from_secs(5))
    }

    #[test]
    fn an_http_location_keeps_its_credentials_out_of_sight() {
        let store = open("https://robot:S3CR3T@feeds.example/cve?key=S3CR3T#S3CR3T").unwrap();
        assert_eq!(store.location(), "https://feeds.example/cve/");
        assert!(!format!("{store:?}").contains("S3CR3T"), "{store:?}");
        let auth = store.auth().unwrap();
        assert_eq!((auth.user(), auth.password()), ("robot", Some("S3CR3T")));
        assert_eq!(
            store.url("manifest.json").unwrap().as_str(),
            "https://feeds.example/cve/manifest.json"
        );
        assert_eq!(
            open("http://feeds.example/").unwrap().location(),
            "http://feeds.example/"
        );
        let e = open("https://robot:S3CR3T@bad host/").unwrap_err();
        assert!(matches!(e, StoreError::HttpLocation(_)), "{e:?}");
        assert!(!format!("{e} {e:?}").contains("S3CR3T"), "{e}");
    }

    #[tokio::test]
    async fn every_write_is_refused() {
        let store = open("https://feeds.example/cve/").unwrap();
        let e = store
            .put(
                "index.json",
                b"{}".to_vec(),
                "application/json",
                PutMode::Overwrite,
            )
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot write index.json in https://feeds.example/cve/: a publication read over \
             HTTP(S) is read-only; write to its directory or bucket instead"
        );
        let e = store.delete("index.json").await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot remove index.json in https://feeds.example/cve/: a publication read over \
             HTTP(S) is read-only; write to its directory or bucket instead"
        );
        assert!(matches!(
            store.begin().await.err(),
            Some(StoreError::ReadOnly { op: "publish", .. })
        ));
        assert!(matches!(
            store.lock(Duration::ZERO).await.err(),
            Some(StoreError::ReadOnly { op: "lock", .. })
        ));
    }

    #[tokio::test]
    async fn reads_from_a_loopback_server_with_basic_auth_and_a_limit() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/pub/index.json"))
            .and(header("authorization", "Basic cm9ib3Q6cHc="))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("etag", "\"v1\"")
                    .set_body_bytes(b"{\"items\":[]}".to_vec()),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/pub/secret.json"))
            .respond_with(ResponseTemplate::new(403))
            .mount(&server)
            .await;
        let base = server.uri().replace("http://", "http://robot:pw@") + "/pub";
        let store = open(&base).unwrap();
        let location = format!("{}/pub/", server.uri());
        assert_eq!(store.location(), location);

        let got = store.get("index.json").await.unwrap().unwrap();
        assert_eq!(got.bytes, b"{\"items\":[]}");
        assert_eq!(got.version, Version("\"v1\"".into()));
        assert!(store.get("absent.json").await.unwrap().is_none());
        let e = store.get_limited("index.json", 4).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("index.json in {location} is larger than 4 bytes; refusing to read it")
        );
        let e = store.get("secret.json").await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{location}secret.json answered HTTP 403")
        );
        let e = store.get("../x").await.unwrap_err();
        assert!(matches!(e, StoreError::BadName(_)), "{e:?}");
    }
}
