//! Product records (`examples/products/*.toml`, one product per file): loading and validation
//! against the dossiers.

use std::collections::BTreeMap;
use std::path::Path;

use netvet_model::Product;
use rayon::prelude::*;

use crate::catalogue::{key_line, parse_toml, valid_source};
use crate::dossiers::DossierSet;
use crate::error::{Diagnostic, Error, Result};
use crate::files::FileSet;
use crate::limits::Limits;

/// A product record and its file.
#[derive(Clone, Debug)]
pub struct LoadedProduct {
    pub product: Product,
    pub file: String,
}

/// Every product record of a directory, validated, sorted by id.
#[derive(Clone, Debug)]
pub struct ProductSet {
    pub root: String,
    pub products: Vec<LoadedProduct>,
}

/// True for 64 lowercase hex digits.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Predecessors that are unknown, of another vendor, or that lead round in a circle.
fn lineage_problems(by_id: &BTreeMap<String, LoadedProduct>, diags: &mut Vec<Diagnostic>) {
    for lp in by_id.values() {
        let p = &lp.product;
        let Some(prev) = p.predecessor.as_deref() else {
            continue;
        };
        let at = |msg: String| Diagnostic::new(&lp.file, None, msg);
        match by_id.get(prev) {
            None => diags.push(at(format!(
                "predecessor {prev:?} of {} is not a product record of this set",
                p.id
            ))),
            Some(q) if q.product.vendor != p.vendor => diags.push(at(format!(
                "predecessor {prev:?} of {} is a product of {}, not of {}",
                p.id, q.product.vendor, p.vendor
            ))),
            Some(_) => {
                let mut seen = std::collections::BTreeSet::from([p.id.as_str()]);
                let mut cur = prev;
                while let Some(q) = by_id.get(cur) {
                    if !seen.insert(cur) {
                        diags.push(at(format!(
                            "the predecessors of {} lead round in a circle through {cur}",
                            p.id
                        )));
                        break;
                    }
                    match q.product.predecessor.as_deref() {
                        Some(next) => cur = next,
                        None => break,
                    }
                }
            }
        }
    }
}

impl ProductSet {
    /// The record with this id.
    pub fn get(&self, id: &str) -> Option<&LoadedProduct> {
        self.products.iter().find(|p| p.product.id == id)
    }

    /// The product records in `dir`, or the built-in examples.
    pub fn load(dir: Option<&Path>, dossiers: &DossierSet, limits: &Limits) -> Result<ProductSet> {
        let files = match dir {
            Some(d) => FileSet::read_dir(d, &["toml"], limits)?,
            None => FileSet::builtin("examples/products").ok_or_else(|| {
                Error::at(
                    "builtin:examples/products",
                    None,
                    "no built-in product records",
                )
            })?,
        };
        ProductSet::from_files(&files, dossiers)
    }

    /// Validates a set of product files. The records shipped with netvet (a `builtin:` set)
    /// are held to the sourcing rule: a real vendor's record cites at least one source.
    /// Records users write for their own products are not.
    pub fn from_files(files: &FileSet, dossiers: &DossierSet) -> Result<ProductSet> {
        let builtin = files.root.starts_with("builtin:");
        let mut diags = Vec::new();
        let mut by_id: BTreeMap<String, LoadedProduct> = BTreeMap::new();
        // Parsing is most of the cost of thousands of records: in parallel, then checked in
        // file order.
        let parsed: Vec<std::result::Result<Product, Diagnostic>> =
            files.files.par_iter().map(parse_toml::<Product>).collect();
        for (f, parsed) in files.files.iter().zip(parsed) {
            let p: Product = match parsed {
                Ok(p) => p,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            let at = |key: &str, msg: String| Diagnostic::new(&f.name, key_line(f, key), msg);
            if p.id.is_empty()
                || !p
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            {
                diags.push(at(
                    "id",
                    format!(
                        "product id {:?}: lowercase letters, digits, '-' and '.' only",
                        p.id
                    ),
                ));
            }
            if p.version.trim().is_empty() {
                diags.push(at(
                    "version",
                    "version is empty (use \"*\" for every release)".into(),
                ));
            }
            if p.functions.is_empty() {
                diags.push(at("functions", "functions is empty".into()));
            }
            match dossiers.vendors.get(&p.vendor) {
                None => diags.push(at(
                    "vendor",
                    format!("vendor {:?} has no dossier in {}", p.vendor, dossiers.root),
                )),
                Some(d) => {
                    let v = &d.dossier.vendor;
                    if p.fictional != v.fictional {
                        let msg = if v.fictional {
                            format!(
                                "products of the fictional vendor {} must be marked fictional = true",
                                v.id
                            )
                        } else if builtin {
                            format!(
                                "{} is a real vendor: its product records carry only sourced facts and may not be fictional",
                                v.id
                            )
                        } else {
                            format!(
                                "{} is a real vendor: its product records may not be marked fictional",
                                v.id
                            )
                        };
                        diags.push(at("fictional", msg));
                    }
                }
            }
            if p.fictional != p.name.ends_with("(fictional)") {
                diags.push(at("name", format!("{:?}: a fictional product's name ends with \"(fictional)\", a real one's does not", p.name)));
            }
            if builtin && !p.fictional && p.sources.is_empty() {
                diags.push(at(
                    "id",
                    "a real vendor's product record needs at least one [[source]]".into(),
                ));
            }
            for s in &p.sources {
                if !valid_source(&s.url) {
                    diags.push(at(
                        "url",
                        format!(
                            "source {:?}: url must be https://…, repo:… or doc:…",
                            s.reference
                        ),
                    ));
                }
            }
            for fw in &p.firmware {
                if !is_sha256(&fw.sha256) {
                    diags.push(at(
                        "sha256",
                        format!(
                            "firmware {}: sha256 must be 64 lowercase hex digits",
                            fw.image
                        ),
                    ));
                }
            }
            for c in &p.certifications {
                if let Some(exp) = c.expiry
                    && exp < c.date
                {
                    diags.push(at(
                        "expiry",
                        format!(
                            "certification {} expires ({exp}) before it was issued ({})",
                            c.scheme, c.date
                        ),
                    ));
                }
                for d in &c.firmware_sha256 {
                    if !is_sha256(d) {
                        diags.push(at(
                            "firmware_sha256",
                            format!("certification {}: {d:?} is not a sha256 digest", c.scheme),
                        ));
                    }
                }
            }
            if let Some(prev) = by_id.get(&p.id) {
                diags.push(at(
                    "id",
                    format!("duplicate product id {}: also in {}", p.id, prev.file),
                ));
                continue;
            }
            by_id.insert(
                p.id.clone(),
                LoadedProduct {
                    product: p,
                    file: f.name.clone(),
                },
            );
        }
        lineage_problems(&by_id, &mut diags);
        if !diags.is_empty() {
            diags.sort();
            return Err(Error::Invalid(diags));
        }
        Ok(ProductSet {
            root: files.root.clone(),
            products: by_id.into_values().collect(),
        })
    }
}
