//! Version schemes. Every comparison goes through a named scheme; a version a scheme cannot
//! parse is an error the matcher reports ("version not comparable"), never a guess.

pub mod apk;
pub mod dpkg;
pub mod generic;
pub mod rpm;
pub mod semver;

use std::cmp::Ordering;

/// A version comparison scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// Debian and opkg (`[epoch:]upstream[-revision]`).
    Dpkg,
    /// Alpine apk.
    Apk,
    /// rpm (`[epoch:]version[-release]`, `rpmvercmp`): see [`rpm`].
    Rpm,
    /// Semantic Versioning 2.0.0.
    Semver,
    /// Upstream release versions, see [`generic`].
    Generic,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Dpkg => "dpkg",
            Scheme::Apk => "apk",
            Scheme::Rpm => "rpm",
            Scheme::Semver => "semver",
            Scheme::Generic => "generic",
        }
    }

    /// The scheme of an OSV ecosystem (`Debian:12` → dpkg, `Alpine:v3.19` → apk,
    /// `Rocky Linux:9` → rpm) or of an OSV range type `SEMVER`. The rpm ecosystems are the
    /// rpm-based distributions OSV lists (`ossf/osv-schema`'s `ecosystems.json` and
    /// `osvconstants`): AlmaLinux, Rocky Linux, Red Hat, openEuler, openSUSE, SUSE, Mageia,
    /// Photon OS and Azure Linux.
    pub fn for_ecosystem(ecosystem: &str) -> Scheme {
        let base = ecosystem.split(':').next().unwrap_or("");
        match base {
            "Debian" | "Ubuntu" | "OpenWrt" => Scheme::Dpkg,
            "Alpine" | "Wolfi" | "Chainguard" => Scheme::Apk,
            "AlmaLinux" | "Rocky Linux" | "Red Hat" | "openEuler" | "openSUSE" | "SUSE"
            | "Mageia" | "Photon OS" | "Azure Linux" => Scheme::Rpm,
            "crates.io" | "npm" | "Go" | "Hex" => Scheme::Semver,
            _ => Scheme::Generic,
        }
    }

    /// Parses a scheme name.
    pub fn parse(s: &str) -> Option<Scheme> {
        Some(match s {
            "dpkg" => Scheme::Dpkg,
            "apk" => Scheme::Apk,
            "rpm" => Scheme::Rpm,
            "semver" => Scheme::Semver,
            "generic" => Scheme::Generic,
            _ => return None,
        })
    }

    /// Whether `v` is a version of this scheme.
    pub fn valid(self, v: &str) -> bool {
        match self {
            Scheme::Dpkg => dpkg::parse(v).is_some(),
            Scheme::Apk => apk::parse(v).is_some(),
            Scheme::Rpm => rpm::parse(v).is_some(),
            Scheme::Semver => semver::parse(v).is_some(),
            Scheme::Generic => generic::parse(v).is_some(),
        }
    }

    /// Compares two versions; `Err` names the one the scheme cannot parse.
    pub fn compare<'a>(self, a: &'a str, b: &'a str) -> Result<Ordering, &'a str> {
        fn cmp<T: Ord>(pa: Option<T>, pb: Option<T>, a: &str, b: &str) -> Result<Ordering, ()> {
            let _ = (a, b);
            match (pa, pb) {
                (Some(x), Some(y)) => Ok(x.cmp(&y)),
                _ => Err(()),
            }
        }
        let r = match self {
            Scheme::Dpkg => cmp(dpkg::parse(a), dpkg::parse(b), a, b),
            Scheme::Apk => cmp(apk::parse(a), apk::parse(b), a, b),
            Scheme::Rpm => cmp(rpm::parse(a), rpm::parse(b), a, b),
            Scheme::Semver => cmp(semver::parse(a), semver::parse(b), a, b),
            Scheme::Generic => cmp(generic::parse(a), generic::parse(b), a, b),
        };
        r.map_err(|_| if self.valid(a) { b } else { a })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_name_the_unparseable_side() {
        assert_eq!(Scheme::Generic.compare("1.0", "2.0"), Ok(Ordering::Less));
        assert_eq!(Scheme::Generic.compare("1.0", "junk"), Err("junk"));
        assert_eq!(Scheme::Apk.compare("bad-1", "1.0-r0"), Err("bad-1"));
        assert_eq!(Scheme::for_ecosystem("Debian:12"), Scheme::Dpkg);
        assert_eq!(Scheme::for_ecosystem("Alpine:v3.19"), Scheme::Apk);
        for eco in [
            "Rocky Linux:9",
            "AlmaLinux:8",
            "Red Hat:enterprise_linux:9::baseos",
            "openEuler:22.03-LTS-SP1",
            "openSUSE:Leap 15.6",
            "SUSE:Linux Enterprise Server 15 SP5",
        ] {
            assert_eq!(Scheme::for_ecosystem(eco), Scheme::Rpm, "{eco}");
        }
        assert_eq!(
            Scheme::Rpm.compare("1:3.2.2-5.el9_5", "1:3.2.2-6.el9_5"),
            Ok(Ordering::Less)
        );
        assert_eq!(Scheme::Rpm.compare("1.0", "x:1"), Err("x:1"));
        assert_eq!(Scheme::parse("rpm"), Some(Scheme::Rpm));
    }
}
