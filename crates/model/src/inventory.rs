//! Operator inventories: the network elements an operator runs, one row each. The documented
//! columns are `operator, element_id, site, region, domain, function, vendor, product, version,
//! installation_date` and the optional `replacement_cost` and `licences`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::network::{Domain, NetworkFunction, Role};

/// One network element of an operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InventoryElement {
    pub operator: String,
    pub element_id: String,
    pub site: String,
    pub region: String,
    pub domain: Domain,
    pub function: NetworkFunction,
    /// Vendor as the operator writes it (matched to dossiers by id, name or alias).
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub installation_date: Date,
    /// Cost of replacing the element, in the operator's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement_cost: Option<f64>,
    /// The spectrum licences the element is used under (ids a catalogue's `[[licence]]`
    /// tables declare), lower case and sorted; the conditions of those licences bind it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<String>,
}

/// A deployment class: the elements of one vendor, product and version (as the inventory
/// writes them) in one role. Assessments, exposure and vendor shares are computed once per
/// class, never per element; `netvet-network` and `netvet-policy` key their tables by it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeploymentClass {
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub role: Role,
    /// The licences its elements are used under (sorted; empty for none).
    pub licences: Vec<String>,
}

impl InventoryElement {
    /// The deployment class the element belongs to.
    pub fn class(&self) -> DeploymentClass {
        DeploymentClass {
            vendor: self.vendor.clone(),
            product: self.product.clone(),
            version: self.version.clone(),
            role: self.role(),
            licences: self.licences.clone(),
        }
    }

    /// The role the element plays.
    pub fn role(&self) -> Role {
        Role {
            domain: self.domain,
            function: self.function,
        }
    }
}
