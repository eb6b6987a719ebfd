//! Default and published credentials (rules/credentials.toml), and cracking of crypt(3)
//! hashes against them: DES, MD5, SHA-256 and SHA-512 crypt, and bcrypt.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::Error;

const FILE: &str = "rules/credentials.toml";
const TEXT: &str = include_str!("../../../rules/credentials.toml");

/// An account published as a hard-coded back door.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub user: String,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    pub vendor: String,
    pub product: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultList {
    source: String,
    pairs: Vec<String>,
}

/// Account names that suggest factory or test access: a heuristic, not an advisory.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactoryNames {
    pub source: String,
    pub users: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    published: Vec<Published>,
    defaults: Vec<DefaultList>,
    #[serde(default)]
    factory: Vec<FactoryNames>,
}

/// A password to try, with where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The account it is a default for ("" when generic).
    pub user: String,
    pub password: String,
    pub source: String,
    pub reference: Option<String>,
    /// True when it comes from a `[[published]]` entry (a hard-coded back door).
    pub published: bool,
}

/// The loaded credential data.
pub struct Credentials {
    pub published: Vec<Published>,
    pub candidates: Vec<Candidate>,
    /// Factory-account name lists (heuristic).
    pub factory: Vec<FactoryNames>,
}

impl Credentials {
    /// The factory-name list that names this account, if any (case-insensitive).
    pub fn factory_name(&self, user: &str) -> Option<&FactoryNames> {
        self.factory
            .iter()
            .find(|f| f.users.iter().any(|u| u.eq_ignore_ascii_case(user)))
    }
}

/// The built-in credential data (parsed once).
pub fn builtin() -> Result<&'static Credentials, Error> {
    static DATA: OnceLock<Result<Credentials, String>> = OnceLock::new();
    DATA.get_or_init(|| parse(TEXT))
        .as_ref()
        .map_err(|message| Error::Data {
            file: FILE.into(),
            message: message.clone(),
        })
}

fn parse(text: &str) -> Result<Credentials, String> {
    let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
    for p in &f.published {
        if p.source.trim().is_empty() {
            return Err(format!("published account {:?} has no source", p.user));
        }
    }
    for list in &f.defaults {
        if list.source.trim().is_empty() {
            return Err("a defaults list has no source".to_string());
        }
    }
    let mut candidates = Vec::new();
    for p in &f.published {
        if let Some(pw) = &p.password {
            candidates.push(Candidate {
                user: p.user.clone(),
                password: pw.clone(),
                source: format!("{} {}: {}", p.vendor, p.product, p.source),
                reference: p.reference.clone(),
                published: true,
            });
        }
    }
    for list in &f.defaults {
        for pair in &list.pairs {
            let (user, pw) = pair
                .split_once(':')
                .ok_or_else(|| format!("pair {pair:?} has no ':'"))?;
            candidates.push(Candidate {
                user: user.to_string(),
                password: pw.to_string(),
                source: list.source.clone(),
                reference: None,
                published: false,
            });
        }
    }
    Ok(Credentials {
        published: f.published,
        candidates,
        factory: f.factory,
    })
}

/// What cracking a hash found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Crack {
    /// The password is one of the candidates.
    Found(Candidate),
    /// None of the candidates matched.
    NotFound,
    /// The hash scheme is not supported (yescrypt, scrypt...): named.
    Unsupported(&'static str),
}

/// The crypt scheme of a hash, and whether trying many passwords is expensive.
fn scheme(hash: &str) -> (&'static str, bool) {
    if let Some(rest) = hash.strip_prefix("$2") {
        let cost: u32 = rest.get(2..4).and_then(|c| c.parse().ok()).unwrap_or(10);
        ("bcrypt", cost > 6)
    } else if hash.starts_with("$6$") || hash.starts_with("$5$") {
        let expensive = hash
            .split('$')
            .nth(2)
            .and_then(|r| r.strip_prefix("rounds="))
            .and_then(|r| r.parse::<u32>().ok())
            .is_some_and(|r| r > 10_000);
        (
            if hash.starts_with("$6$") {
                "sha512-crypt"
            } else {
                "sha256-crypt"
            },
            expensive,
        )
    } else if hash.starts_with("$1$") {
        ("md5-crypt", false)
    } else if hash.starts_with("$y$") {
        ("yescrypt", true)
    } else if hash.starts_with("$7$") {
        ("scrypt", true)
    } else if hash.starts_with("$apr1$") {
        ("apr1", false)
    } else if hash.len() == 13
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
    {
        ("des-crypt", false)
    } else if hash.starts_with('_') && hash.len() == 20 {
        ("bsdi-crypt", false)
    } else {
        ("unknown", true)
    }
}

/// The name of the crypt scheme of `hash`.
pub fn scheme_name(hash: &str) -> &'static str {
    scheme(hash).0
}

/// Tries the candidates against `hash` for account `user`: first those given for that user,
/// then all others (for expensive schemes only the first 25 others).
pub fn crack(creds: &Credentials, user: &str, hash: &str) -> Crack {
    let (name, expensive) = scheme(hash);
    if matches!(name, "yescrypt" | "scrypt" | "apr1" | "unknown") {
        return Crack::Unsupported(name);
    }
    let mut tried = BTreeSet::new();
    let own = creds.candidates.iter().filter(|c| c.user == user);
    let others = creds
        .candidates
        .iter()
        .filter(|c| c.user != user)
        .take(if expensive { 25 } else { usize::MAX });
    for c in own.chain(others) {
        if !tried.insert(c.password.as_str()) {
            continue;
        }
        if pwhash::unix::verify(&c.password, hash) {
            return Crack::Found(c.clone());
        }
    }
    Crack::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_data_loads() {
        let c = builtin().unwrap();
        assert!(c.published.iter().any(|p| p.user == "zyfwp"));
        // A factory account name is a heuristic, never a published back door.
        assert!(!c.published.iter().any(|p| p.user == "mfgtest"));
        assert_eq!(
            c.factory_name("MFGTEST").map(|f| f.source.as_str()),
            Some("netvet heuristic: naming of factory and manufacturing test accounts")
        );
        // Every default list names a public source.
        let sources: BTreeSet<&str> = c
            .candidates
            .iter()
            .filter(|c| !c.published)
            .map(|c| c.source.as_str())
            .collect();
        assert_eq!(
            sources.into_iter().collect::<Vec<_>>(),
            ["Mirai source code, scanner.c credential table (published 2016-09-30)"]
        );
    }

    #[test]
    fn entries_without_a_source_are_rejected() {
        let err = parse("[[published]]\nuser = \"x\"\nvendor = \"v\"\nproduct = \"p\"\nsource = \" \"\n[[defaults]]\nsource = \"s\"\npairs = []\n")
            .err()
            .unwrap_or_default();
        assert_eq!(err, "published account \"x\" has no source");
    }

    #[test]
    #[allow(deprecated)] // weak schemes on purpose: firmware uses them
    fn cracks_md5_sha512_and_des() {
        let c = builtin().unwrap();
        // openssl passwd -1 -salt Zq8vNf2k admin
        match crack(c, "root", "$1$Zq8vNf2k$Gqu1zPqF9gGCvwF/KaGBT1") {
            Crack::Found(cand) => assert_eq!(cand.password, "admin"),
            other => panic!("{other:?}"),
        }
        let sha = pwhash::sha512_crypt::hash_with("$6$saltsalt", "xc3511").unwrap();
        assert!(matches!(crack(c, "root", &sha), Crack::Found(x) if x.password == "xc3511"));
        let des = pwhash::unix_crypt::hash_with("ab", "vizxv").unwrap();
        assert!(matches!(crack(c, "root", &des), Crack::Found(x) if x.password == "vizxv"));
        let strong =
            pwhash::sha512_crypt::hash_with("$6$saltsalt", "correct horse battery").unwrap();
        assert_eq!(crack(c, "root", &strong), Crack::NotFound);
        assert_eq!(
            crack(c, "root", "$y$j9T$abc$def"),
            Crack::Unsupported("yescrypt")
        );
    }

    #[test]
    #[allow(deprecated)]
    fn published_back_door_password_is_found_for_its_account() {
        let c = builtin().unwrap();
        let h = pwhash::md5_crypt::hash_with("$1$abcdefgh", "PrOw!aN_fXp").unwrap();
        match crack(c, "zyfwp", &h) {
            Crack::Found(cand) => {
                assert_eq!(cand.reference.as_deref(), Some("cve:CVE-2020-29583"));
                assert!(cand.published);
            }
            other => panic!("{other:?}"),
        }
        // Published without a CVE (TP-Link's osteam) is still a published back door.
        let h = pwhash::md5_crypt::hash_with("$1$abcdefgh", "5up").unwrap();
        assert!(
            matches!(crack(c, "osteam", &h), Crack::Found(x) if x.published && x.reference.is_none())
        );
    }
}
