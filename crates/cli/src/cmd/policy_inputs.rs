//! Flags shared by `assess` and `impact`: where product records, dossiers, evidence and the
//! operator inventory come from, and the assessment date.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use netvet_model::Date;
use netvet_network::exposure::Groups;
use netvet_network::{ReadOptions, read_inventory};
use netvet_policy::shares::{ClassCount, ClassKey};
use netvet_policy::{DossierSet, Evidence, Inputs, Limits, ProductSet, Shares};

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
    /// Judge certificate expiry and end of support on this day (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
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

/// The loaded inputs.
pub struct Data {
    pub dossiers: DossierSet,
    pub products: ProductSet,
    pub evidence: Evidence,
    pub as_of: Date,
}

impl DataArgs {
    pub fn load(&self, limits: &Limits) -> anyhow::Result<Data> {
        let dossiers = DossierSet::load(self.dossiers.as_deref(), limits)
            .context("invalid vendor dossiers")?;
        let products = ProductSet::load(self.products.as_deref(), &dossiers, limits)
            .context("invalid product records")?;
        let evidence = match &self.evidence {
            Some(dir) => Evidence::load(dir, limits).context("invalid evidence")?,
            None => Evidence::default(),
        };
        Ok(Data {
            dossiers,
            products,
            evidence,
            as_of: self.as_of.unwrap_or_else(today),
        })
    }
}

impl Data {
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
    pub file: String,
    /// Identical elements folded together (operator, region, role, vendor, product, version).
    pub groups: Groups,
    /// The same without regions: the classes and vendor shares policies read.
    pub shares: Shares,
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
}

impl InventoryArgs {
    /// Reads the inventory, if one was given; bad rows go to stderr (the first ones) unless the
    /// read is strict, which makes the first one an error.
    pub fn load(&self, dossiers: &DossierSet) -> anyhow::Result<Option<Inventory>> {
        let Some(path) = &self.inventory else {
            return Ok(None);
        };
        let mut groups = Groups::default();
        let options = ReadOptions {
            strict: self.strict,
            ..ReadOptions::default()
        };
        let summary = read_inventory(path, &options, |e| groups.add(e))
            .with_context(|| format!("cannot read inventory {}", path.display()))?;
        let mut shares = Shares::default();
        for (k, c) in groups.sorted() {
            let class = ClassKey {
                vendor: k.vendor.clone(),
                product: k.product.clone(),
                version: k.version.clone(),
                role: k.role,
            };
            let count = ClassCount {
                elements: c.elements,
                cost: c.cost,
                without_cost: c.without_cost,
            };
            shares.add_count(&k.operator, class, &count, dossiers);
        }
        const SHOWN: usize = 20;
        for e in summary.errors.iter().take(SHOWN) {
            eprintln!("netvet: warning: {e}");
        }
        if summary.rejected > SHOWN as u64 {
            eprintln!(
                "netvet: warning: {} more bad rows in {} (not shown)",
                summary.rejected - SHOWN as u64,
                path.display()
            );
        }
        Ok(Some(Inventory {
            file: path.display().to_string(),
            groups,
            shares,
            rows: summary.rows,
            accepted: summary.accepted,
            rejected: summary.rejected,
        }))
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}

/// Today in UTC.
pub fn today() -> Date {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    Date::from_unix_days(days as i64)
}
