//! The inputs of an assessment — product records, vendor dossiers, scan evidence, the date —
//! and an operator inventory folded into deployment classes.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use netvet_model::Date;
use netvet_network::exposure::Groups;
use netvet_network::{
    InventoryFormat, ReadOptions, ReadSummary, read_inventory, read_inventory_from,
};
use netvet_policy::shares::ClassCount;
use netvet_policy::{DossierSet, Evidence, Inputs, Limits, ProductSet, Shares};

/// Where the inputs come from (`None`: the built-in data).
#[derive(Clone, Debug, Default)]
pub struct DataSources {
    /// Product records (`*.toml`).
    pub products: Option<PathBuf>,
    /// Vendor dossiers (`*.toml`, `jurisdictions/*.toml`).
    pub dossiers: Option<PathBuf>,
    /// Scan reports (`netvet.scan/1` JSON), linked to products by firmware SHA-256.
    pub evidence: Option<PathBuf>,
    /// The day certificates, support and deadlines are judged on (default: today, UTC).
    pub as_of: Option<Date>,
}

/// The loaded inputs of an assessment.
pub struct PolicyData {
    /// Vendor dossiers and jurisdiction files.
    pub dossiers: DossierSet,
    /// Product records, each with its vendor resolved through the dossiers.
    pub products: ProductSet,
    /// Scan reports, linked to products by firmware SHA-256.
    pub evidence: Evidence,
    /// The day certificates, support and deadlines are judged on.
    pub as_of: Date,
}

impl PolicyData {
    /// Loads and validates dossiers, product records and evidence.
    pub fn load(sources: &DataSources, limits: &Limits) -> crate::Result<PolicyData> {
        let dossiers = DossierSet::load(sources.dossiers.as_deref(), limits)?;
        let products = ProductSet::load(sources.products.as_deref(), &dossiers, limits)?;
        let evidence = match &sources.evidence {
            Some(dir) => Evidence::load(dir, limits)?,
            None => Evidence::default(),
        };
        Ok(PolicyData {
            dossiers,
            products,
            evidence,
            as_of: sources.as_of.unwrap_or_else(today),
        })
    }

    /// The inputs of an assessment, with the inventory's shares when there is one.
    pub fn inputs<'a>(&'a self, inventory: Option<&'a Inventory>) -> Inputs<'a> {
        Inputs {
            dossiers: &self.dossiers,
            products: &self.products,
            evidence: &self.evidence,
            shares: inventory.map(|i| &i.shares),
            as_of: self.as_of,
        }
    }
}

/// What reading an inventory gave.
pub struct Inventory {
    /// The inventory file, as named.
    pub file: String,
    /// Identical elements folded together (operator, region, role, vendor, product, version).
    pub groups: Groups,
    /// The same without regions: the deployment classes and vendor shares policies read.
    pub shares: Shares,
    /// Data rows read, valid or not.
    pub rows: u64,
    /// Rows that became network elements.
    pub accepted: u64,
    /// Rows refused (see `row_errors`).
    pub rejected: u64,
    /// The bad rows (the first of them; `rejected` counts them all).
    pub row_errors: Vec<String>,
}

/// Bad rows kept for messages; the rest are counted.
const ROW_ERRORS_KEPT: usize = 20;

impl Inventory {
    /// Reads an inventory (CSV or JSON, one network element per row) and folds it into
    /// deployment classes, resolving vendors through the dossiers. A strict read stops at the
    /// first bad row; otherwise bad rows are counted and the first ones kept.
    pub fn load(path: &Path, strict: bool, dossiers: &DossierSet) -> crate::Result<Inventory> {
        let mut groups = Groups::default();
        let options = ReadOptions {
            strict,
            ..ReadOptions::default()
        };
        let summary = read_inventory(path, &options, |e| groups.add(e))?;
        Ok(Inventory::fold(
            path.display().to_string(),
            groups,
            &summary,
            dossiers,
        ))
    }

    /// Reads an inventory in `format` from `reader` (an upload to the service), naming it
    /// `name` in messages; otherwise as [`Inventory::load`].
    pub fn read(
        name: &str,
        format: InventoryFormat,
        reader: impl Read + Seek,
        strict: bool,
        dossiers: &DossierSet,
    ) -> crate::Result<Inventory> {
        let mut groups = Groups::default();
        let options = ReadOptions {
            strict,
            ..ReadOptions::default()
        };
        let summary = read_inventory_from(name, format, reader, &options, |e| groups.add(e))?;
        Ok(Inventory::fold(
            name.to_string(),
            groups,
            &summary,
            dossiers,
        ))
    }

    /// Folds the elements read into deployment classes and vendor shares.
    fn fold(
        file: String,
        groups: Groups,
        summary: &ReadSummary,
        dossiers: &DossierSet,
    ) -> Inventory {
        let mut shares = Shares::default();
        for (k, c) in groups.sorted() {
            let class = k.class.clone();
            let count = ClassCount {
                elements: c.elements,
                cost: c.cost,
                without_cost: c.without_cost,
            };
            shares.add_count(&k.operator, class, &count, dossiers);
        }
        let mut row_errors: Vec<String> = summary
            .errors
            .iter()
            .take(ROW_ERRORS_KEPT)
            .map(|e| e.to_string())
            .collect();
        if summary.rejected > ROW_ERRORS_KEPT as u64 {
            row_errors.push(format!(
                "{} more bad rows in {} (not shown)",
                summary.rejected - ROW_ERRORS_KEPT as u64,
                file
            ));
        }
        Inventory {
            file,
            groups,
            shares,
            rows: summary.rows,
            accepted: summary.accepted,
            rejected: summary.rejected,
            row_errors,
        }
    }
}

/// Today in UTC.
pub fn today() -> Date {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    Date::from_unix_days(days as i64)
}
