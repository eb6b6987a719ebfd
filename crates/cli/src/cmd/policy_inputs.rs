//! Flags shared by `assess`, `impact` and `network`: where product records, dossiers, evidence
//! and the operator inventory come from, and the assessment date.

use std::path::PathBuf;

use anyhow::Context;
use netvet_model::Date;
use netvet_pipeline::{DataSources, Inventory, PolicyData};
use netvet_policy::{Catalogue, DossierSet, Limits};

use crate::output;

/// The catalogue to assess under: named, or the one in force in a jurisdiction.
#[derive(clap::Args, Clone, Debug)]
pub struct CatalogueArgs {
    /// A built-in catalogue (de-2019, de-2024, de-2025, uk-2022) or a catalogue directory.
    #[arg(long, value_name = "ID|DIR", required_unless_present = "jurisdiction")]
    pub catalogue: Option<String>,
    /// Instead of --catalogue: the binding built-in catalogue of this jurisdiction (DE, GB)
    /// in force on the --as-of day.
    #[arg(long, value_name = "CODE", conflicts_with = "catalogue")]
    pub jurisdiction: Option<String>,
}

impl CatalogueArgs {
    /// Loads the catalogue named, or the one in force on `as_of`.
    pub fn load(&self, as_of: Date, limits: &Limits) -> anyhow::Result<Catalogue> {
        netvet_pipeline::assess::catalogue(
            self.catalogue.as_deref(),
            self.jurisdiction.as_deref(),
            as_of,
            limits,
        )
        .with_context(|| match &self.catalogue {
            Some(c) => format!("invalid catalogue {c}"),
            None => "no catalogue".to_string(),
        })
    }
}

/// Where the inputs of an assessment come from (built-in data by default).
#[derive(clap::Args, Clone, Debug)]
pub struct DataArgs {
    /// Product records (`*.toml`); default: the built-in examples.
    #[arg(long, value_name = "DIR")]
    pub products: Option<PathBuf>,
    /// Vendor dossiers (`*.toml`, `jurisdictions/*.toml`); default: the built-in dossiers.
    #[arg(long, value_name = "DIR")]
    pub dossiers: Option<PathBuf>,
    /// Scan reports (`netvet.scan/1` JSON), linked to products by firmware sha256.
    #[arg(long, value_name = "DIR")]
    pub evidence: Option<PathBuf>,
    /// Judge certificate expiry, support and deadlines on this day (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    pub as_of: Option<Date>,
}

/// An operator inventory to join.
#[derive(clap::Args, Clone, Debug)]
pub struct InventoryArgs {
    /// Operator inventory (`.csv`, `.json`, `.jsonl`): one network element per row.
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// Stop at the first bad inventory row instead of reporting it and going on.
    #[arg(long)]
    pub strict: bool,
}

impl DataArgs {
    /// Loads dossiers, product records and evidence.
    pub fn load(&self, limits: &Limits) -> anyhow::Result<PolicyData> {
        let sources = DataSources {
            products: self.products.clone(),
            dossiers: self.dossiers.clone(),
            evidence: self.evidence.clone(),
            as_of: self.as_of,
        };
        PolicyData::load(&sources, limits).context("invalid inputs")
    }
}

impl InventoryArgs {
    /// Reads the inventory, if one was given; bad rows are printed as warnings.
    pub fn load(&self, dossiers: &DossierSet) -> anyhow::Result<Option<Inventory>> {
        let Some(path) = &self.inventory else {
            return Ok(None);
        };
        let inventory = Inventory::load(path, self.strict, dossiers)
            .with_context(|| format!("cannot read inventory {}", path.display()))?;
        for e in &inventory.row_errors {
            output::warn(e);
        }
        Ok(Some(inventory))
    }
}
