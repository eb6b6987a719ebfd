//! netvet-policy: requirements catalogues (TOML metadata, Rego rules), vendor dossiers and
//! product records, evaluated with regorus into assessments — per product and deployment
//! role, each requirement's status with reasons and evidence, and the verdict — and the
//! impact of moving from one catalogue to another.
//!
//! ```text
//! Catalogue::load ─┐
//! DossierSet::load ├─▶ Evaluator::new (compile once) ─▶ Evaluator::run (rayon, engine per worker)
//! ProductSet::load │                                          │
//! Evidence::load  ─┘                                          ▼
//!                                           AssessmentReport / impact::compare → ImpactReport
//! ```

pub mod assess;
pub mod catalogue;
mod compose;
pub mod dossiers;
pub mod error;
pub mod evidence;
pub mod files;
pub mod impact;
pub mod limits;
pub mod products;
pub mod rego_scan;
pub mod shares;
pub mod testing;
mod value_de;

pub use assess::{Evaluator, Inputs, Job, Licences, Placement, assess, jobs, licences_of};
pub use catalogue::Catalogue;
pub use dossiers::DossierSet;
pub use error::{Diagnostic, Error, Result};
pub use evidence::Evidence;
pub use limits::Limits;
pub use products::ProductSet;
pub use shares::Shares;
pub use testing::{TestReport, run_tests};
