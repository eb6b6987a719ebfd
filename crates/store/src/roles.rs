//! Who asks: roles, organisation kinds, and the rules of what each may see and change.

use serde::{Deserialize, Serialize};

/// An organisation's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgKind {
    Regulator,
    Operator,
    Vendor,
    Lab,
}

/// A user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Analyst,
    Decider,
    Operator,
    Vendor,
    Lab,
    Auditor,
}

macro_rules! names {
    ($ty:ident { $($v:ident = $s:literal),* $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$v),*];

            /// The stored (and serialised) name.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$v => $s),* }
            }

            /// The value named `s`, if any.
            pub fn parse(s: &str) -> Option<$ty> {
                match s { $($s => Some($ty::$v),)* _ => None }
            }
        }
    };
}

names!(OrgKind { Regulator = "regulator", Operator = "operator", Vendor = "vendor", Lab = "lab" });
names!(Role {
    Admin = "admin",
    Analyst = "analyst",
    Decider = "decider",
    Operator = "operator",
    Vendor = "vendor",
    Lab = "lab",
    Auditor = "auditor",
});

impl Role {
    /// The regulator's roles see every organisation's objects.
    pub fn sees_all(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Analyst | Role::Decider | Role::Auditor
        )
    }

    /// The kind of organisation a user with this role belongs to.
    pub fn org_kind(self) -> OrgKind {
        match self {
            Role::Admin | Role::Analyst | Role::Decider | Role::Auditor => OrgKind::Regulator,
            Role::Operator => OrgKind::Operator,
            Role::Vendor => OrgKind::Vendor,
            Role::Lab => OrgKind::Lab,
        }
    }

    /// May create and change product records (a vendor its own; admin and analyst any
    /// vendor's).
    pub fn writes_products(self) -> bool {
        matches!(self, Role::Admin | Role::Analyst | Role::Vendor)
    }

    /// May upload firmware for analysis.
    pub fn uploads(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::Analyst | Role::Operator | Role::Vendor | Role::Lab
        )
    }
}

/// The user on whose behalf a store method runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user: i64,
    pub org: i64,
    pub role: Role,
}

impl Actor {
    /// `(sees_all, org)` to bind to a tenancy filter `($a = 1 OR org_id = $b)`.
    pub(crate) fn scope(&self) -> (i64, i64) {
        (i64::from(self.role.sees_all()), self.org)
    }

    /// Fails with `Forbidden` unless `allowed`.
    pub(crate) fn require(&self, allowed: bool, what: &str) -> crate::Result<()> {
        if allowed {
            Ok(())
        } else {
            Err(crate::Error::Forbidden(format!(
                "the {} role may not {what}",
                self.role.as_str()
            )))
        }
    }
}
