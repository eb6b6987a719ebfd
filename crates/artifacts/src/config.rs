//! Where artifacts are kept: a local directory, or a bucket of an S3-compatible store.

use std::fmt;
use std::path::PathBuf;

use url::Url;

use crate::error::{Error, Result};

/// Where artifacts are kept.
#[derive(Clone, PartialEq, Eq)]
pub enum ArtifactsConfig {
    /// A directory on this machine, created on open if missing.
    Local {
        /// The directory that holds `sha256/` and `incoming/`.
        root: PathBuf,
    },
    /// A bucket of an S3-compatible store (AWS S3, MinIO, Ceph RGW, Garage, …).
    S3 {
        /// The store's base URL (`http://127.0.0.1:9000`); `None` for AWS itself.
        endpoint: Option<String>,
        /// The bucket, which must exist.
        bucket: String,
        /// The signing region (`us-east-1` when the store has none).
        region: String,
        /// The access key id.
        access_key_id: String,
        /// The secret key; never shown by `Debug`.
        secret_access_key: String,
        /// Whether a plain-HTTP endpoint is accepted.
        allow_http: bool,
        /// A key prefix inside the bucket (`netvet/prod`), so that one bucket can hold several
        /// stores.
        prefix: Option<String>,
    },
}

/// Query parameters an `s3://` URL may carry.
const S3_PARAMETERS: &[&str] = &["endpoint", "region", "allow_http"];

impl ArtifactsConfig {
    /// Reads a store URL: `file:///var/lib/netvet/artifacts` or
    /// `s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=eu-central-1`.
    ///
    /// For `s3://`, credentials come from the environment (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`), never from the URL; the region defaults to `AWS_REGION`, then
    /// `AWS_DEFAULT_REGION`, then `us-east-1`; the endpoint to `AWS_ENDPOINT_URL`, then AWS.
    /// Plain HTTP is allowed exactly when the endpoint is an `http://` URL, unless
    /// `allow_http=false` says otherwise.
    pub fn from_url(url: &str) -> Result<ArtifactsConfig> {
        Self::from_url_with_env(url, |name| std::env::var(name).ok())
    }

    /// [`from_url`](Self::from_url) with the environment given as a function (for tests and for
    /// callers that read settings from elsewhere).
    pub fn from_url_with_env(
        url: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ArtifactsConfig> {
        let parsed = Url::parse(url).map_err(|e| config_error(url, format!("not a URL: {e}")))?;
        let shown = shown_url(&parsed);
        let fail = |reason: String| Error::Config {
            url: shown.clone(),
            reason,
        };
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(fail(
                "credentials are not accepted in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                    .into(),
            ));
        }
        if parsed.fragment().is_some() {
            return Err(fail("a fragment (#…) means nothing here".into()));
        }
        match parsed.scheme() {
            "file" => {
                if parsed.query().is_some() {
                    return Err(fail("a file:// URL takes no parameters".into()));
                }
                let root = parsed.to_file_path().map_err(|()| {
                    fail("not a local absolute path (write file:///absolute/dir)".into())
                })?;
                Ok(ArtifactsConfig::Local { root })
            }
            "s3" => s3_from_url(&parsed, &env).map_err(fail),
            other => Err(fail(format!(
                "unsupported scheme {other:?} (use file:// or s3://)"
            ))),
        }
    }
}

fn s3_from_url(
    url: &Url,
    env: &impl Fn(&str) -> Option<String>,
) -> std::result::Result<ArtifactsConfig, String> {
    let bucket = url.host_str().unwrap_or_default().to_string();
    validate_bucket(&bucket)?;
    let prefix = url.path().trim_matches('/');
    let prefix = (!prefix.is_empty()).then(|| prefix.to_string());
    if let Some(prefix) = &prefix {
        validate_prefix(prefix)?;
    }

    let mut endpoint = None;
    let mut region = None;
    let mut allow_http = None;
    for (name, value) in url.query_pairs() {
        let slot_taken = match name.as_ref() {
            "endpoint" => endpoint.replace(value.to_string()).is_some(),
            "region" => region.replace(value.to_string()).is_some(),
            "allow_http" => {
                let flag = match value.as_ref() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("allow_http must be true or false, not {value:?}")),
                };
                allow_http.replace(flag).is_some()
            }
            _ => {
                return Err(format!(
                    "unknown parameter {name:?} (known: {})",
                    S3_PARAMETERS.join(", ")
                ));
            }
        };
        if slot_taken {
            return Err(format!("parameter {name:?} given twice"));
        }
    }

    let endpoint = endpoint.or_else(|| env("AWS_ENDPOINT_URL"));
    if let Some(endpoint) = &endpoint {
        let parsed = Url::parse(endpoint).map_err(|e| format!("endpoint {endpoint:?}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("endpoint {endpoint:?} is not an http(s) URL"));
        }
    }
    let plain_http = endpoint
        .as_deref()
        .is_some_and(|e| e.starts_with("http://"));
    let allow_http = allow_http.unwrap_or(plain_http);
    if plain_http && !allow_http {
        return Err("the endpoint is plain http but allow_http=false".into());
    }
    let region = region
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".into());
    let credential = |name: &str| {
        env(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("{name} is not set"))
    };
    Ok(ArtifactsConfig::S3 {
        endpoint,
        bucket,
        region,
        access_key_id: credential("AWS_ACCESS_KEY_ID")?,
        secret_access_key: credential("AWS_SECRET_ACCESS_KEY")?,
        allow_http,
        prefix,
    })
}

/// S3's bucket naming rules (3–63 characters of `a-z 0-9 . -`, starting and ending with a
/// letter or digit); also what keeps a bucket name out of the request path's syntax.
pub(crate) fn validate_bucket(bucket: &str) -> std::result::Result<(), String> {
    let edge_ok = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && edge_ok(bucket.bytes().next())
        && edge_ok(bucket.bytes().last());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bucket {bucket:?} is not a valid S3 bucket name (3-63 of a-z 0-9 . -)"
        ))
    }
}

/// A key prefix: `/`-separated segments of `A-Z a-z 0-9 . _ -`, none of them `.` or `..`.
/// (URL parsing already resolved dot segments; anything percent-encoded is refused rather than
/// guessed at.)
fn validate_prefix(prefix: &str) -> std::result::Result<(), String> {
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if prefix.split('/').all(segment_ok) {
        Ok(())
    } else {
        Err(format!(
            "prefix {prefix:?} must be /-separated segments of A-Z a-z 0-9 . _ -"
        ))
    }
}

fn config_error(url: &str, reason: String) -> Error {
    // Credentials sit between "://" and an '@': such a URL is shown without its authority.
    let shown = match url.split_once("://") {
        Some((scheme, rest)) if rest.contains('@') => {
            let after = rest
                .rsplit_once('@')
                .map(|(_, after)| after)
                .unwrap_or_default();
            format!("{scheme}://…@{after}")
        }
        _ => url.to_string(),
    };
    let mut cut: String = shown.chars().take(200).collect();
    if cut.len() < shown.len() {
        cut.push('…');
    }
    Error::Config { url: cut, reason }
}

/// The URL without user name or password.
fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    // Both only fail for URLs that cannot have credentials, which then have none to hide.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

impl fmt::Debug for ArtifactsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArtifactsConfig::Local { root } => f.debug_struct("Local").field("root", root).finish(),
            ArtifactsConfig::S3 {
                endpoint,
                bucket,
                region,
                access_key_id,
                secret_access_key: _,
                allow_http,
                prefix,
            } => f
                .debug_struct("S3")
                .field("endpoint", endpoint)
                .field("bucket", bucket)
                .field("region", region)
                .field("access_key_id", access_key_id)
                .field("secret_access_key", &"<redacted>")
                .field("allow_http", allow_http)
                .field("prefix", prefix)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "AWS_ACCESS_KEY_ID" => Some("AKIDEXAMPLE".into()),
            "AWS_SECRET_ACCESS_KEY" => Some("wJalrXUtnFEMI/K7MDENG".into()),
            _ => None,
        }
    }

    fn reason(url: &str) -> String {
        match ArtifactsConfig::from_url_with_env(url, env) {
            Err(Error::Config { reason, .. }) => reason,
            other => panic!("{url}: {other:?}"),
        }
    }

    #[test]
    fn file_url_is_a_local_root() {
        let config = ArtifactsConfig::from_url_with_env("file:///var/lib/netvet/artifacts", env);
        assert_eq!(
            config.unwrap(),
            ArtifactsConfig::Local {
                root: "/var/lib/netvet/artifacts".into()
            }
        );
    }

    #[test]
    fn s3_url_with_endpoint_prefix_and_region() {
        let config = ArtifactsConfig::from_url_with_env(
            "s3://evidence/netvet/prod/?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-central-1",
            env,
        )
        .unwrap();
        assert_eq!(
            config,
            ArtifactsConfig::S3 {
                endpoint: Some("http://127.0.0.1:9000".into()),
                bucket: "evidence".into(),
                region: "eu-central-1".into(),
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: "wJalrXUtnFEMI/K7MDENG".into(),
                allow_http: true,
                prefix: Some("netvet/prod".into()),
            }
        );
    }

    #[test]
    fn s3_defaults_come_from_the_environment() {
        let env = |name: &str| match name {
            "AWS_REGION" => Some("ap-south-1".to_string()),
            "AWS_ENDPOINT_URL" => Some("https://s3.example.net".to_string()),
            other => env(other),
        };
        let config = ArtifactsConfig::from_url_with_env("s3://evidence", env).unwrap();
        let ArtifactsConfig::S3 {
            endpoint,
            region,
            allow_http,
            prefix,
            ..
        } = config
        else {
            panic!("not S3")
        };
        assert_eq!(endpoint.as_deref(), Some("https://s3.example.net"));
        assert_eq!(region, "ap-south-1");
        assert!(!allow_http);
        assert_eq!(prefix, None);
    }

    #[test]
    fn rejects_bad_urls_with_reasons() {
        assert!(reason("ftp://x/y").contains("unsupported scheme"));
        assert!(reason("file://host/dir").contains("absolute"));
        assert!(reason("file:///dir?x=1").contains("no parameters"));
        assert!(reason("s3://evidence?endpoint=http://h&endpoint=http://i").contains("twice"));
        assert!(reason("s3://evidence?colour=blue").contains("unknown parameter"));
        assert!(reason("s3://Evidence_Bucket").contains("bucket"));
        assert!(reason("s3://ev").contains("bucket"));
        assert!(reason("s3://evidence/a%20b").contains("prefix"));
        assert!(reason("s3://evidence/a//b").contains("prefix"));
        assert!(reason("s3://evidence?endpoint=ftp://h").contains("http(s)"));
        assert!(reason("s3://evidence?endpoint=http://h&allow_http=false").contains("allow_http"));
        assert!(reason("s3://evidence?allow_http=yes").contains("true or false"));
    }

    #[test]
    fn missing_credentials_are_named() {
        let none = |_: &str| None;
        let Err(Error::Config { reason, .. }) =
            ArtifactsConfig::from_url_with_env("s3://evidence", none)
        else {
            panic!("accepted without credentials")
        };
        assert_eq!(reason, "AWS_ACCESS_KEY_ID is not set");
    }

    #[test]
    fn credentials_in_the_url_are_refused_and_not_echoed() {
        let err =
            ArtifactsConfig::from_url_with_env("s3://AKID:topsecret@evidence", env).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("not accepted"), "{text}");
        assert!(!text.contains("topsecret"), "{text}");
        let err = ArtifactsConfig::from_url_with_env("s3://AKID:topsecret@ev il", env).unwrap_err();
        assert!(!err.to_string().contains("topsecret"), "{err}");
    }

    #[test]
    fn debug_hides_the_secret_key() {
        let config = ArtifactsConfig::from_url_with_env("s3://evidence", env).unwrap();
        let shown = format!("{config:?}");
        assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
    }
}
