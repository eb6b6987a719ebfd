//! The software inventory of one image as `netvet sbom` reports it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::finding::Finding;
use crate::scan::Component;

/// Schema identifier of [`SbomReport`].
pub const SBOM_SCHEMA: &str = "netvet.sbom/1";

/// The components of an image, the findings about them (end of support, differences from a
/// declared SBOM), and what the catalogers could not read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SbomReport {
    /// Always [`SBOM_SCHEMA`].
    #[schemars(extend("const" = SBOM_SCHEMA))]
    pub schema: String,
    /// The image's file name.
    pub image: String,
    /// SHA-256 of the image.
    pub sha256: String,
    /// The day end of support was judged on.
    pub as_of: Date,
    pub components: Vec<Component>,
    pub findings: Vec<Finding>,
    /// Problems met (unreadable databases, problems of a compared SBOM); cataloging went on.
    pub problems: Vec<String>,
}
