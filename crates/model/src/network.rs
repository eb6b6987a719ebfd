//! Network domains, network functions and deployment roles: the vocabulary shared by product
//! records, requirement scopes, assessments and operator inventories.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The part of a mobile network an element sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Domain {
    /// Radio access network.
    Ran,
    /// 5G core (and 4G EPC) network functions.
    Core,
    /// Backhaul, fronthaul, IP/optical transport.
    Transport,
    /// Operations, management and orchestration.
    Management,
}

impl Domain {
    pub const ALL: [Domain; 4] = [
        Domain::Ran,
        Domain::Core,
        Domain::Transport,
        Domain::Management,
    ];

    /// The canonical name (`RAN`, `core`, `transport`, `management`).
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Ran => "RAN",
            Domain::Core => "core",
            Domain::Transport => "transport",
            Domain::Management => "management",
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Domain {
    /// Other names inventories give the domain (case-insensitive).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Domain::Ran => &["radio", "access", "radio-access", "radio access network"],
            Domain::Core => &["5GC", "EPC", "core network", "packet core", "mobile core"],
            Domain::Transport => &[
                "backhaul",
                "fronthaul",
                "midhaul",
                "IP transport",
                "transmission",
            ],
            Domain::Management => &["OAM", "O&M", "OSS", "network management"],
        }
    }
}

impl FromStr for Domain {
    type Err = String;
    fn from_str(s: &str) -> Result<Domain, String> {
        let s = s.trim();
        Domain::ALL
            .into_iter()
            .find(|d| {
                d.as_str().eq_ignore_ascii_case(s)
                    || d.aliases().iter().any(|a| a.eq_ignore_ascii_case(s))
            })
            .ok_or_else(|| format!("unknown domain {s:?} (RAN, core, transport, management)"))
    }
}

macro_rules! functions {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal [$($domain:ident),+] $(aka [$($alias:literal),*])? ;)*) => {
        /// A network function a product can perform (3GPP names for RAN and core functions,
        /// common names for transport and management systems).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum NetworkFunction {
            $( $(#[$doc])* $variant, )*
        }

        impl NetworkFunction {
            /// Every function, in a stable order.
            pub const ALL: &'static [NetworkFunction] = &[$(NetworkFunction::$variant),*];

            /// The canonical name (`gNB`, `AMF`, `router`, `EMS`).
            pub fn as_str(self) -> &'static str {
                match self { $(NetworkFunction::$variant => $name,)* }
            }

            /// The domains this function can be deployed in; the first is its usual one.
            pub fn domains(self) -> &'static [Domain] {
                match self { $(NetworkFunction::$variant => &[$(Domain::$domain),+],)* }
            }

            fn aliases(self) -> &'static [&'static str] {
                match self { $(NetworkFunction::$variant => &[$($($alias),*)?],)* }
            }
        }
    };
}

functions! {
    /// 5G base station (gNodeB).
    Gnb = "gNB" [Ran] aka ["gnodeb"];
    /// Central unit of a split gNB.
    Cu = "CU" [Ran] aka ["gnb-cu", "o-cu"];
    /// Distributed unit of a split gNB.
    Du = "DU" [Ran] aka ["gnb-du", "o-du"];
    /// Radio unit.
    Ru = "RU" [Ran] aka ["radio", "radio-unit", "o-ru", "RRU", "RRH", "AAU"];
    /// 4G base station (eNodeB).
    Enb = "eNB" [Ran] aka ["enodeb"];
    Amf = "AMF" [Core];
    Smf = "SMF" [Core];
    Upf = "UPF" [Core];
    Udm = "UDM" [Core];
    Udr = "UDR" [Core];
    Ausf = "AUSF" [Core];
    Nrf = "NRF" [Core];
    Nssf = "NSSF" [Core];
    Pcf = "PCF" [Core];
    Nef = "NEF" [Core];
    /// Security edge protection proxy (interconnection with other networks).
    Sepp = "SEPP" [Core];
    Scp = "SCP" [Core];
    N3iwf = "N3IWF" [Core];
    Nwdaf = "NWDAF" [Core];
    Chf = "CHF" [Core];
    /// IMS / voice core (VoLTE, VoNR).
    Ims = "IMS" [Core];
    /// Lawful-interception functions.
    Li = "LI" [Core] aka ["lawful-interception"];
    /// IP router (transport, or IP core when deployed there).
    Router = "router" [Transport, Core];
    Switch = "switch" [Transport];
    /// Optical transport (DWDM, OTN).
    Optical = "optical" [Transport] aka ["optical-transport"];
    /// Firewall and other security gateways.
    Firewall = "firewall" [Core, Transport] aka ["security-gateway", "segw"];
    /// Element management system.
    Ems = "EMS" [Management];
    /// Network management system.
    Nms = "NMS" [Management];
    /// Operations support system.
    Oss = "OSS" [Management];
    /// NFV management and orchestration.
    Mano = "MANO" [Management] aka ["orchestrator"];
    /// SDN or domain controller.
    SdnController = "SDN-controller" [Management] aka ["sdn", "controller", "domain-controller"];
    /// Virtualisation infrastructure (NFVI, cloud platform).
    Nfvi = "NFVI" [Management] aka ["virtualisation", "cloud-infrastructure"];
}

impl fmt::Display for NetworkFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NetworkFunction {
    type Err = String;
    fn from_str(s: &str) -> Result<NetworkFunction, String> {
        let s = s.trim();
        NetworkFunction::ALL
            .iter()
            .copied()
            .find(|f| {
                f.as_str().eq_ignore_ascii_case(s)
                    || f.aliases().iter().any(|a| a.eq_ignore_ascii_case(s))
            })
            .ok_or_else(|| {
                let known: Vec<&str> = NetworkFunction::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown network function {s:?} (known: {})",
                    known.join(", ")
                )
            })
    }
}

string_serde!(Domain);
string_serde!(NetworkFunction);
names_schema!(Domain, Domain::ALL);
names_schema!(NetworkFunction, NetworkFunction::ALL);

/// A place a product can take in a network: a function in a domain. Written `domain:function`
/// (`core:AMF`, `transport:router`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Role {
    pub domain: Domain,
    pub function: NetworkFunction,
}

impl Role {
    /// A role, if `function` can be deployed in `domain`.
    pub fn new(domain: Domain, function: NetworkFunction) -> Option<Role> {
        function
            .domains()
            .contains(&domain)
            .then_some(Role { domain, function })
    }

    /// Every role of a function (one per domain it can be deployed in).
    pub fn all_of(function: NetworkFunction) -> impl Iterator<Item = Role> {
        function
            .domains()
            .iter()
            .map(move |&domain| Role { domain, function })
    }

    /// Every role of the vocabulary, in a stable order.
    pub fn all() -> impl Iterator<Item = Role> {
        NetworkFunction::ALL.iter().copied().flat_map(Role::all_of)
    }

    /// `core:AMF`.
    pub fn key(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.domain, self.function)
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s.split_once(':') {
            Some((d, f)) => {
                let (domain, function): (Domain, NetworkFunction) = (d.parse()?, f.parse()?);
                Role::new(domain, function)
                    .ok_or_else(|| format!("{function} is not deployed in the {domain} domain"))
            }
            None => {
                let function: NetworkFunction = s.parse()?;
                Ok(Role {
                    domain: function.domains()[0],
                    function,
                })
            }
        }
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A string `domain:function`, one of the roles of the vocabulary ([`Role::all`]).
impl schemars::JsonSchema for Role {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Role".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let keys: Vec<String> = Role::all().map(|r| r.key()).collect();
        schemars::json_schema!({ "type": "string", "enum": keys })
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Role, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_parse_by_name_and_alias_case_insensitively() {
        assert_eq!("gnb".parse(), Ok(NetworkFunction::Gnb));
        assert_eq!("gNodeB".parse(), Ok(NetworkFunction::Gnb));
        assert_eq!("ems".parse(), Ok(NetworkFunction::Ems));
        let err = "AMFF".parse::<NetworkFunction>().expect_err("an error");
        assert!(err.contains("unknown network function \"AMFF\""), "{err}");
    }

    #[test]
    fn domains_parse_by_name_and_alias_case_insensitively() {
        assert_eq!("ran".parse(), Ok(Domain::Ran));
        assert_eq!("Radio Access Network".parse(), Ok(Domain::Ran));
        assert_eq!("5gc".parse(), Ok(Domain::Core));
        assert_eq!(" Backhaul ".parse(), Ok(Domain::Transport));
        assert_eq!("O&M".parse(), Ok(Domain::Management));
        assert_eq!("AAU".parse(), Ok(NetworkFunction::Ru));
        let err = "radar".parse::<Domain>().expect_err("an error");
        assert!(err.contains("unknown domain \"radar\""), "{err}");
    }

    #[test]
    fn roles_respect_the_domains_of_their_function() {
        assert_eq!(
            "core:router".parse::<Role>().expect("valid").to_string(),
            "core:router"
        );
        assert_eq!(
            "AMF".parse::<Role>().expect("valid").to_string(),
            "core:AMF"
        );
        assert!("RAN:AMF".parse::<Role>().is_err());
        assert!(Role::all().count() >= 30);
        let keys: Vec<String> = Role::all().map(|r| r.key()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), keys.len(), "role keys are unique");
    }
}
