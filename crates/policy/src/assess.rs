//! Evaluation: every product in every role it is assessed in, against a catalogue, with
//! regorus. The policies are compiled once — parsed into an engine, then compiled to programs
//! of regorus' virtual machine (RVM), one per step — and each rayon worker runs its own VMs on
//! those shared programs:
//!
//! 1. requirements whose rules read only the vendor's side of the input ([`per_vendor`]) are
//!    decided once per vendor;
//! 2. the others once per product, covering all of its roles (a requirement's result does not
//!    depend on the role; its scope is applied per role), in groups of requirements that read
//!    the same parts of the input. A group whose rules use the product's id only to cite it
//!    (`data.netvet.lib.product_ref`) is decided once for the products equal in those parts,
//!    with a stand-in for the id that each product's own id then replaces
//!    ([`Evaluator::decide_products`]);
//! 3. verdicts once per distinct signature (the set of requirements that apply in a role) and
//!    statuses and messages of those requirements, shared by every product and role with them;
//!    natively ([`crate::compose`]) when the catalogue keeps netvet's composition.
//!
//! Every execution is bounded by regorus' time and instruction limits.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use netvet_model::{
    Assessment, AssessmentReport, Consequence, Date, Product, ProductRef, Reason,
    RequirementResult, Role, ScanReport, Status, Verdict, VerdictCounts,
};
use rayon::prelude::*;
use regorus::Value;
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use serde::Deserialize;
use serde_json::json;

use crate::catalogue::{BUILTIN_MODULES, Catalogue, CatalogueRequirement};
use crate::compose::DefaultVerdict;
use crate::dossiers::DossierSet;
use crate::error::{Diagnostic, Error, Result, rego_diagnostic};
use crate::evidence::Evidence;
use crate::limits::Limits;
use crate::products::ProductSet;
use crate::shares::Shares;

/// Everything an assessment reads.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    pub dossiers: &'a DossierSet,
    pub products: &'a ProductSet,
    pub evidence: &'a Evidence,
    /// Vendor shares from an operator inventory, when one is given.
    pub shares: Option<&'a Shares>,
    /// The date certificates and deadlines are judged against.
    pub as_of: Date,
}

/// The licences a product is assessed as used under: sorted, distinct ids.
pub type Licences = Arc<[String]>;

/// A role a product is assessed in, and the licences it is used under there.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Placement {
    pub role: Role,
    pub licences: Licences,
}

impl Placement {
    /// The role under no licence.
    pub fn plain(role: Role) -> Placement {
        Placement {
            role,
            licences: Arc::from([]),
        }
    }
}

/// Licence ids as the inventory or the user writes them: trimmed, lower case, sorted, once.
pub fn licences_of<S: AsRef<str>>(ids: &[S]) -> Licences {
    let set: BTreeSet<String> = ids
        .iter()
        .map(|s| s.as_ref().trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    set.into_iter().collect()
}

/// One product (an index into the product set) and where to assess it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub product: usize,
    pub roles: Vec<Placement>,
}

/// Each product in the roles of its declared functions, used under `licences` (for a
/// catalogue with licence conditions, every licence it declares: would the product be
/// allowed under them), and, with an inventory, in every role the inventory places it in,
/// under the licences the inventory names for those elements.
pub fn jobs(products: &ProductSet, shares: Option<&Shares>, licences: &Licences) -> Vec<Job> {
    let mut roles: Vec<BTreeSet<Placement>> = products
        .products
        .iter()
        .map(|p| {
            p.product
                .functions
                .iter()
                .flat_map(|&f| Role::all_of(f))
                .map(|role| Placement {
                    role,
                    licences: licences.clone(),
                })
                .collect()
        })
        .collect();
    if let Some(shares) = shares {
        for class in shares.classes.keys() {
            if let Some(i) = shares.product_of(products, class) {
                roles[i].insert(Placement {
                    role: class.role,
                    licences: licences_of(&class.licences),
                });
            }
        }
    }
    roles
        .into_iter()
        .enumerate()
        .map(|(product, r)| Job {
            product,
            roles: r.into_iter().collect(),
        })
        .collect()
}

/// Roles grouped by the requirements that apply in them (compiled from the scopes).
struct Signatures {
    /// Signature id → requirement ids, sorted.
    applicable: BTreeMap<String, Vec<String>>,
    /// Role → signature id, used under no licence.
    of_role: BTreeMap<Role, String>,
    /// Role → signature id, used under every licence the catalogue declares (for the
    /// catalogue's tests; other sets of licences are resolved as products are assessed).
    of_role_licensed: BTreeMap<Role, String>,
}

impl Signatures {
    fn new(c: &Catalogue) -> Signatures {
        let mut ids: BTreeMap<Vec<String>, String> = BTreeMap::new();
        let all: Licences = c.info.licences.iter().map(|l| l.id.clone()).collect();
        let mut of = |licences: &[String]| -> BTreeMap<Role, String> {
            Role::all()
                .map(|role| {
                    let set = applicable(c, role, licences);
                    let next = format!("s{}", ids.len());
                    (role, ids.entry(set).or_insert(next).clone())
                })
                .collect()
        };
        let of_role = of(&[]);
        let of_role_licensed = of(&all);
        let applicable = ids.into_iter().map(|(set, sig)| (sig, set)).collect();
        Signatures {
            applicable,
            of_role,
            of_role_licensed,
        }
    }
}

/// The requirements that apply to a product in `role` used under `licences`, sorted.
fn applicable(c: &Catalogue, role: Role, licences: &[String]) -> Vec<String> {
    let critical = c.is_critical(role);
    c.requirements
        .values()
        .filter(|r| {
            r.requirement.scope.covers(role, critical) && r.requirement.scope.under(licences)
        })
        .map(|r| r.requirement.id.clone())
        .collect()
}

/// What netvet puts in the input of a vendor's evaluation. A requirement whose rules read
/// nothing else (see [`crate::rego_scan::input_reads`]) is decided once per vendor and its
/// result shared by every product of that vendor.
const VENDOR_INPUT: &[&str] = &[
    "input.as_of",
    "input.vendor",
    "input.jurisdiction",
    "input.network",
    "input.product.vendor",
];

/// Whether a requirement is decided once per vendor: its rules read only [`VENDOR_INPUT`].
pub fn per_vendor(r: &CatalogueRequirement) -> bool {
    r.input_reads.as_ref().is_some_and(|reads| {
        reads
            .iter()
            .all(|path| VENDOR_INPUT.iter().any(|v| under(path, v)))
    })
}

/// Whether input path `path` is `prefix` or inside it (`input.product.id` is under
/// `input.product`, `input.products` is not).
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Requirements decided per product that read the same parts of the input.
struct ProductGroup {
    ids: Vec<String>,
    /// What they read (paths below `input`, none inside another), when they use the
    /// product's id only to cite it (through `data.netvet.lib.product_ref`): products equal in
    /// those parts are decided once. `None`: they may read the id otherwise, or any part of
    /// the input; they are decided for each product on its own input.
    paths: Option<Vec<Vec<Value>>>,
}

/// The requirements not decided per vendor, grouped by what they read.
fn product_groups(c: &Catalogue, per_vendor: &BTreeSet<String>) -> Vec<ProductGroup> {
    let shared = |reads: &BTreeSet<String>| -> Option<Vec<String>> {
        if reads.iter().any(|p| under("input.product.id", p)) {
            return None;
        }
        let mut kept: Vec<&str> = Vec::new();
        // Sorted, so a path's prefixes come before it.
        for p in reads {
            if !kept.iter().any(|k| under(p, k)) {
                kept.push(p);
            }
        }
        kept.iter()
            .map(|p| p.strip_prefix("input.").map(str::to_string))
            .collect()
    };
    let mut groups: BTreeMap<Option<Vec<String>>, Vec<String>> = BTreeMap::new();
    for r in c.requirements.values() {
        if per_vendor.contains(&r.requirement.id) {
            continue;
        }
        let key = r.reads_beside_product_ref.as_ref().and_then(shared);
        groups
            .entry(key)
            .or_default()
            .push(r.requirement.id.clone());
    }
    groups
        .into_iter()
        .map(|(paths, ids)| ProductGroup {
            ids,
            paths: paths.map(|ps| {
                ps.iter()
                    .map(|p| p.split('.').map(Value::from).collect())
                    .collect()
            }),
        })
        .collect()
}

/// `input` with `input.netvet_groups` set to `groups` (the groups the step decides).
fn with_groups(mut input: Value, groups: &[usize]) -> Value {
    let list: Vec<Value> = groups.iter().map(|&g| Value::from(g as u64)).collect();
    if let Ok(o) = input.as_object_mut() {
        o.insert(Value::from("netvet_groups"), Value::from(list));
    }
    input
}

/// The marker of the stand-in for a product's id (a private-use character, outside the
/// characters of product ids).
const STAND_IN_MARKER: char = '\u{E000}';

/// A stand-in for a product's id, new in every run so that no input can hold it.
fn stand_in() -> String {
    use std::hash::{BuildHasher, Hasher};
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!("{STAND_IN_MARKER}product-{random:016x}{STAND_IN_MARKER}")
}

/// The values of an input at `paths`.
fn project(input: &Value, paths: &[Vec<Value>]) -> Vec<Value> {
    paths
        .iter()
        .map(|path| path.iter().fold(input, |v, k| &v[k]).clone())
        .collect()
}

/// A product step's results decided with `stand_in` for the product's id, with `id` in its
/// place and each result's reasons sorted again; `None` when a string of the results still
/// holds the stand-in's marker after that.
fn restore(decided: &Value, stand_in: &str, id: &str) -> Option<Value> {
    fn replace(v: &Value, from: &str, to: &str) -> Option<Value> {
        Some(match v {
            Value::String(s) => {
                let r = if s.contains(from) {
                    Value::from(s.replace(from, to))
                } else {
                    v.clone()
                };
                if r.as_string().is_ok_and(|t| t.contains(STAND_IN_MARKER)) {
                    return None;
                }
                r
            }
            Value::Array(a) => Value::from(
                a.iter()
                    .map(|x| replace(x, from, to))
                    .collect::<Option<Vec<_>>>()?,
            ),
            Value::Set(set) => Value::from(
                set.iter()
                    .map(|x| replace(x, from, to))
                    .collect::<Option<BTreeSet<_>>>()?,
            ),
            Value::Object(o) => Value::from(
                o.iter()
                    .map(|(k, x)| Some((replace(k, from, to)?, replace(x, from, to)?)))
                    .collect::<Option<BTreeMap<_, _>>>()?,
            ),
            other => other.clone(),
        })
    }
    let mut out = BTreeMap::new();
    for (requirement, result) in decided.as_object().ok()?.iter() {
        let mut result = replace(result, stand_in, id)?;
        let reasons_key = Value::from("reasons");
        if let Ok(fields) = result.as_object_mut()
            && let Some(Value::Array(reasons)) = fields.get(&reasons_key)
        {
            let mut sorted: Vec<Value> = reasons.iter().cloned().collect();
            sorted.sort();
            sorted.dedup();
            fields.insert(reasons_key, Value::from(sorted));
        }
        out.insert(requirement.clone(), result);
    }
    Some(Value::from(out))
}

/// The entry points of `assessment.rego`, one per step.
const VENDOR_ENTRY: &str = "data.netvet.assessment.vendor_decided";
const GROUP_ENTRY: &str = "data.netvet.assessment.group_decided";
const VERDICT_ENTRY: &str = "data.netvet.assessment.verdict";
/// All requirements at once, for the interpreter (which checks the split into steps).
const DECIDED_ENTRY: &str = "data.netvet.assessment.decided";
const OUTSIDE_RULE: &str = "data.netvet.assessment.outside";

/// A catalogue compiled for evaluation.
pub struct Evaluator {
    /// The parsed policies and data (the interpreter runs catalogue tests on it).
    engine: regorus::Engine,
    /// One VM program per step: requirements decided per vendor, per product, verdicts.
    vendor_program: Arc<Program>,
    /// Decides groups of the per-product requirements (`input.netvet_groups`).
    group_program: Arc<Program>,
    verdict_program: Arc<Program>,
    data: Value,
    catalogue: Arc<Catalogue>,
    signatures: Signatures,
    /// Requirements decided once per vendor.
    per_vendor: BTreeSet<String>,
    /// The other requirements, grouped by what they read (see [`Evaluator::decide_products`]);
    /// `data.netvet.catalogue.product_groups` lists them.
    groups: Vec<ProductGroup>,
    /// The result of a requirement outside its scope (`data.netvet.assessment.outside`).
    outside: ResultOutput,
    /// netvet's own composition done natively; `None` when the catalogue composes verdicts
    /// itself (package `netvet.verdict`). netvet's composition reads only some results'
    /// messages (see [`Evaluator::reads_message`]).
    native: Option<DefaultVerdict>,
    limits: Limits,
}

/// Each requirement's result as a policy returned it.
type Decided = BTreeMap<String, ResultOutput>;

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultOutput {
    status: Status,
    reasons: Vec<Reason>,
}

/// What a verdict rests on: the status and reason messages of each requirement that applies
/// in a signature. Products and roles with equal keys get the same verdict, composed once:
/// a composition reads the results and the catalogue alone (`verdict.rego`), so two
/// signatures whose applicable requirements have the same results share the verdict too.
/// `signature` names the signature the key was first made for (for messages); it is not
/// part of the key.
#[derive(Clone)]
struct VerdictKey {
    signature: String,
    results: Vec<(String, Status, Vec<String>)>,
}

impl PartialEq for VerdictKey {
    fn eq(&self, other: &Self) -> bool {
        self.results == other.results
    }
}

impl Eq for VerdictKey {}

impl std::hash::Hash for VerdictKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.results.hash(state);
    }
}

impl VerdictKey {
    /// The key of the results `decided` for the requirements `applicable` in `signature`.
    /// `reads_message` says whether the composition reads the reason messages of a result
    /// (by its requirement and status); a message it does not read is left out of the key,
    /// so results that differ only there share one composition.
    fn new(
        signature: &str,
        applicable: &[String],
        decided: &BTreeMap<&str, &ResultOutput>,
        reads_message: impl Fn(&str, Status) -> bool,
    ) -> VerdictKey {
        VerdictKey {
            signature: signature.to_string(),
            results: applicable
                .iter()
                .filter_map(|id| {
                    let r = decided.get(id.as_str())?;
                    let messages = if reads_message(id, r.status) {
                        r.reasons.iter().map(|m| m.message.clone()).collect()
                    } else {
                        Vec::new()
                    };
                    Some((id.clone(), r.status, messages))
                })
                .collect(),
        }
    }

    /// The verdict step's input: `decided` with each reason's message.
    /// Built as a regorus value directly: through JSON it cost a fifth of composing.
    fn input(&self) -> Value {
        let decided: BTreeMap<Value, Value> = self
            .results
            .iter()
            .map(|(id, status, messages)| {
                let reasons: Vec<Value> = messages
                    .iter()
                    .map(|m| object([("message", Value::from(m.as_str()))]))
                    .collect();
                let result = object([
                    ("status", Value::from(status.as_str())),
                    ("reasons", Value::from(reasons)),
                ]);
                (Value::from(id.as_str()), result)
            })
            .collect();
        object([("decided", Value::from(decided))])
    }
}

/// A regorus object of string keys.
pub(crate) fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::from(
        fields
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect::<BTreeMap<Value, Value>>(),
    )
}

/// Verdicts composed so far, shared by the workers.
#[derive(Default)]
struct Verdicts(Mutex<HashMap<VerdictKey, Arc<Verdict>>>);

impl Verdicts {
    fn get(&self, key: &VerdictKey) -> Option<Arc<Verdict>> {
        self.0.lock().ok()?.get(key).cloned()
    }

    fn insert(&self, key: VerdictKey, verdict: Arc<Verdict>) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, verdict);
        }
    }
}

/// One role's requirement results and verdict, shared by the roles of a signature.
#[derive(Clone)]
struct RoleOutput {
    requirements: Arc<[RequirementResult]>,
    verdict: Arc<Verdict>,
}

/// RVM instructions one execution may use (a product with all its roles needs well under a
/// million; the limit stops a runaway policy long before memory does).
const MAX_INSTRUCTIONS: usize = 50_000_000;

impl Evaluator {
    /// Compiles the catalogue's policies with netvet's own modules and its data, and runs one
    /// evaluation on an empty product so that errors surface before any real work.
    pub fn new(catalogue: &Catalogue, limits: &Limits) -> Result<Evaluator> {
        let mut engine = regorus::Engine::new();
        engine.set_execution_timer_config(timer(limits));
        let overrides_verdict = catalogue
            .policies
            .iter()
            .any(|m| m.package == "netvet.verdict");
        for (file, text) in BUILTIN_MODULES {
            if overrides_verdict && file.ends_with("/verdict.rego") {
                continue;
            }
            engine
                .add_policy(file.to_string(), text.to_string())
                .map_err(|e| Error::Invalid(vec![rego_diagnostic(file, &e)]))?;
        }
        for m in &catalogue.policies {
            engine
                .add_policy(m.file.clone(), m.text.clone())
                .map_err(|e| Error::Invalid(vec![rego_diagnostic(&m.file, &e)]))?;
        }
        let signatures = Signatures::new(catalogue);
        let per_vendor: BTreeSet<String> = catalogue
            .requirements
            .values()
            .filter(|r| per_vendor(r))
            .map(|r| r.requirement.id.clone())
            .collect();
        let groups = product_groups(catalogue, &per_vendor);
        let group_ids: Vec<&[String]> = groups.iter().map(|g| g.ids.as_slice()).collect();
        let data = Value::from(json!({"netvet": {"catalogue": catalogue_data(
            catalogue,
            &signatures,
            &per_vendor,
            &group_ids,
        )}}));
        engine
            .add_data(data.clone())
            .map_err(|e| Error::at(&catalogue.root, None, format!("catalogue data: {e}")))?;
        let outside = engine
            .eval_rule(OUTSIDE_RULE.to_string())
            .map_err(|e| Error::Invalid(vec![rego_diagnostic(&catalogue.root, &e)]))?;
        let outside: ResultOutput = crate::value_de::from_value(&outside)
            .map_err(|e| Error::at(&catalogue.root, None, format!("{OUTSIDE_RULE}: {e}")))?;
        let mut compile = |entry: &str| -> Result<Arc<Program>> {
            let rule: regorus::Rc<str> = entry.into();
            let compiled = engine
                .compile_with_entrypoint(&rule)
                .map_err(|e| Error::Invalid(vec![rego_diagnostic(&catalogue.root, &e)]))?;
            Compiler::compile_from_policy(&compiled, &[entry]).map_err(|e| {
                Error::at(
                    &catalogue.root,
                    None,
                    format!("compiling the policies for the VM: {e}"),
                )
            })
        };
        let vendor_program = compile(VENDOR_ENTRY)?;
        let group_program = compile(GROUP_ENTRY)?;
        let verdict_program = compile(VERDICT_ENTRY)?;
        let native = (!overrides_verdict)
            .then(|| DefaultVerdict::new(&data[&Value::from("netvet")][&Value::from("catalogue")]));
        let evaluator = Evaluator {
            engine,
            vendor_program,
            group_program,
            verdict_program,
            data,
            catalogue: Arc::new(catalogue.clone()),
            signatures,
            per_vendor,
            groups,
            outside,
            native,
            limits: limits.clone(),
        };
        // Runs every rule and every composition once on an empty product, so broken policies
        // fail here.
        let label = "(empty test product)";
        let mut decided = evaluator.decide(
            &mut evaluator.vm(&evaluator.vendor_program)?,
            VENDOR_ENTRY,
            warm_up_input(catalogue),
            label,
        )?;
        let all: Vec<usize> = (0..evaluator.groups.len()).collect();
        decided.extend(evaluator.decide(
            &mut evaluator.vm(&evaluator.group_program)?,
            GROUP_ENTRY,
            with_groups(warm_up_input(catalogue), &all),
            label,
        )?);
        let decided: BTreeMap<&str, &ResultOutput> =
            decided.iter().map(|(k, v)| (k.as_str(), v)).collect();
        let mut verdict_vm = evaluator.vm(&evaluator.verdict_program)?;
        for (sig, applicable) in &evaluator.signatures.applicable {
            let key = VerdictKey::new(sig, applicable, &decided, |id, status| {
                evaluator.reads_message(id, status)
            });
            evaluator.compose(&mut verdict_vm, &key, label)?;
        }
        Ok(evaluator)
    }

    /// A VM loaded with a program, the data and the limits.
    fn vm(&self, program: &Arc<Program>) -> Result<RegoVM> {
        let mut vm = RegoVM::new();
        vm.load_program(program.clone());
        vm.set_data(self.data.clone())
            .map_err(|e| Error::at(&self.catalogue.root, None, format!("catalogue data: {e}")))?;
        vm.set_execution_timer_config(Some(timer(&self.limits)));
        vm.set_max_instructions(MAX_INSTRUCTIONS);
        Ok(vm)
    }

    /// Whether composing a verdict reads the reason messages of requirement `id`'s result
    /// when its status is `status`. A catalogue's own composition may read any; netvet's
    /// (`verdict.rego`) reads them only for the conditions imposed (a failed `condition`
    /// requirement) and the evidence needed (an unknown `prohibit` or `condition` one).
    /// `tests/engines.rs` checks the VM's shared compositions against the interpreter's, which
    /// composes every verdict from the full results.
    fn reads_message(&self, id: &str, status: Status) -> bool {
        if self.native.is_none() {
            return true;
        }
        let Some(r) = self.catalogue.requirements.get(id) else {
            return true;
        };
        match r.requirement.consequence {
            Consequence::Condition => matches!(status, Status::Fail | Status::Unknown),
            Consequence::Prohibit => status == Status::Unknown,
            Consequence::Advisory => false,
        }
    }

    /// The interpreter engine with the catalogue loaded, for running catalogue tests.
    pub(crate) fn engine(&self) -> &regorus::Engine {
        &self.engine
    }

    /// Whether every requirement decided per product is decided once for the products equal
    /// in what it reads (it uses the product's id only to cite it).
    pub fn decides_alike_products_once(&self) -> bool {
        self.groups.iter().all(|g| g.paths.is_some())
    }

    /// The requirements decided once per vendor.
    pub fn per_vendor(&self) -> &BTreeSet<String> {
        &self.per_vendor
    }

    /// Evaluates the jobs in parallel; results are sorted by product id, then role.
    pub fn run(&self, inputs: &Inputs, jobs: &[Job]) -> Result<Vec<Assessment>> {
        let builder = InputBuilder::new(inputs, &self.catalogue);
        let product = |job: &Job| &inputs.products.products[job.product].product;
        // Requirements decided per vendor, once for each vendor of the jobs.
        let by_vendor: HashMap<&str, Decided> = if self.per_vendor.is_empty() {
            HashMap::new()
        } else {
            let vendors: BTreeSet<&str> = jobs.iter().map(|j| product(j).vendor.as_str()).collect();
            let vendors: Vec<&str> = vendors.into_iter().collect();
            vendors
                .par_iter()
                .map_init(
                    || self.vm(&self.vendor_program),
                    |vm, &vendor| {
                        let vm = vm.as_mut().map_err(|e| self.worker_error(e))?;
                        let label = format!("(vendor {vendor})");
                        let decided =
                            self.decide(vm, VENDOR_ENTRY, builder.vendor_input(vendor), &label)?;
                        Ok((vendor, decided))
                    },
                )
                .collect::<Result<_>>()?
        };
        let decided_products = self.decide_products(&builder, inputs, jobs)?;
        let verdicts = Verdicts::default();
        let results: Vec<Result<Vec<Assessment>>> = jobs
            .par_iter()
            .zip(decided_products)
            .map_init(
                || self.vm(&self.verdict_program),
                |vm, (job, own)| {
                    let vm = vm.as_mut().map_err(|e| self.worker_error(e))?;
                    let p = product(job);
                    let mut decided: BTreeMap<&str, &ResultOutput> =
                        own.iter().map(|(k, v)| (k.as_str(), v)).collect();
                    if let Some(v) = by_vendor.get(p.vendor.as_str()) {
                        decided.extend(v.iter().map(|(k, v)| (k.as_str(), v)));
                    }
                    let outputs = self.expand(&decided, &p.id, &job.roles, |key| {
                        if let Some(v) = verdicts.get(key) {
                            return Ok(v);
                        }
                        let v = self.compose(vm, key, &p.id)?;
                        verdicts.insert(key.clone(), v.clone());
                        Ok(v)
                    })?;
                    Ok(self.assemble(inputs, p, &job.roles, outputs))
                },
            )
            .collect();
        let mut out = Vec::new();
        for r in results {
            out.extend(r?);
        }
        out.sort_by(|a, b| {
            (&a.product.id, a.role, &a.licences).cmp(&(&b.product.id, b.role, &b.licences))
        });
        Ok(out)
    }

    /// Evaluates the jobs one by one with regorus' interpreter instead of the VM, deciding
    /// every requirement per product and composing every verdict anew: slower, for checking
    /// that both engines, and the steps the VM takes, agree on a catalogue.
    pub fn run_interpreted(&self, inputs: &Inputs, jobs: &[Job]) -> Result<Vec<Assessment>> {
        let builder = InputBuilder::new(inputs, &self.catalogue);
        let mut engine = self.engine.clone();
        let mut eval = |input: Value, rule: &str, product: &str| -> Result<Value> {
            engine.set_input(input);
            engine
                .eval_rule(rule.to_string())
                .map_err(|e| Error::Evaluation {
                    product: product.to_string(),
                    diagnostic: rego_diagnostic(&self.catalogue.root, &e),
                })
        };
        let mut out = Vec::new();
        for job in jobs {
            let p = &inputs.products.products[job.product].product;
            let value = eval(builder.input(p, &job.roles), DECIDED_ENTRY, &p.id)?;
            let decided: Decided = self.parse(&value, &p.id)?;
            let decided: BTreeMap<&str, &ResultOutput> =
                decided.iter().map(|(k, v)| (k.as_str(), v)).collect();
            let outputs = self.expand(&decided, &p.id, &job.roles, |key| {
                let value = eval(key.input(), VERDICT_ENTRY, &p.id)?;
                self.verdict_of(&value, key, &p.id)
            })?;
            out.extend(self.assemble(inputs, p, &job.roles, outputs));
        }
        out.sort_by(|a, b| {
            (&a.product.id, a.role, &a.licences).cmp(&(&b.product.id, b.role, &b.licences))
        });
        Ok(out)
    }

    fn worker_error(&self, e: &Error) -> Error {
        Error::at(&self.catalogue.root, None, e.to_string())
    }

    fn execute(&self, vm: &mut RegoVM, input: Value, product: &str) -> Result<Value> {
        vm.set_input(input);
        vm.execute().map_err(|e| Error::Evaluation {
            product: product.to_string(),
            diagnostic: Diagnostic::new(&self.catalogue.root, None, e.to_string()),
        })
    }

    fn parse<T: serde::de::DeserializeOwned>(&self, value: &Value, product: &str) -> Result<T> {
        crate::value_de::from_value(value).map_err(|e| Error::Evaluation {
            product: product.to_string(),
            diagnostic: Diagnostic::new(
                &self.catalogue.root,
                None,
                format!("the assessment policies returned an invalid result: {e}"),
            ),
        })
    }

    /// The requirements decided per product, for each job's product, in the jobs' order.
    ///
    /// A group of requirements that use the product's id only to cite it is decided once for
    /// the products equal in what it reads (a class): with a stand-in for the id, which is
    /// then replaced by each product's id in the results, whose reasons are sorted again (they
    /// are a sorted set, and the id can change their order). Groups that split the products
    /// into the same classes are decided together. A product whose results still hold a piece
    /// of the stand-in (a rule took the citation apart) or whose input holds the stand-in's
    /// marker is decided on its own, as are the groups that may read the id otherwise.
    fn decide_products(
        &self,
        builder: &InputBuilder,
        inputs: &Inputs,
        jobs: &[Job],
    ) -> Result<Vec<Decided>> {
        let product = |job: &Job| &inputs.products.products[job.product].product;
        let alone = |groups: &[usize], job: &Job, vm: &mut Result<RegoVM>| -> Result<Decided> {
            let vm = vm.as_mut().map_err(|e| self.worker_error(e))?;
            let p = product(job);
            let input = with_groups(builder.input(p, &job.roles), groups);
            self.decide(vm, GROUP_ENTRY, input, &p.id)
        };
        let (shared, own): (Vec<usize>, Vec<usize>) =
            (0..self.groups.len()).partition(|&g| self.groups[g].paths.is_some());
        let mut out: Vec<Decided> = vec![Decided::new(); jobs.len()];
        let mut merge = |decided: Vec<Decided>| {
            for (o, d) in out.iter_mut().zip(decided) {
                o.extend(d);
            }
        };
        if !own.is_empty() {
            merge(
                jobs.par_iter()
                    .map_init(
                        || self.vm(&self.group_program),
                        |vm, job| alone(&own, job, vm),
                    )
                    .collect::<Result<_>>()?,
            );
        }
        if shared.is_empty() {
            return Ok(out);
        }
        let stand_in = stand_in();
        let stand_in_inputs: Vec<Value> = jobs
            .par_iter()
            .map(|job| builder.input_as(product(job), &job.roles, &stand_in))
            .collect();
        // Each shared group's classes: the class of each product (numbered in order of first
        // appearance, so equal partitions give equal vectors) and each class's first product.
        let mut partitions: BTreeMap<Vec<usize>, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for &g in &shared {
            let Some(paths) = &self.groups[g].paths else {
                continue;
            };
            let keys: Vec<Vec<Value>> = stand_in_inputs
                .par_iter()
                .map(|input| project(input, paths))
                .collect();
            let mut classes: BTreeMap<&[Value], usize> = BTreeMap::new();
            let mut firsts = Vec::new();
            let class_of: Vec<usize> = keys
                .iter()
                .enumerate()
                .map(|(i, key)| {
                    let next = classes.len();
                    let class = *classes.entry(key.as_slice()).or_insert(next);
                    if class == next {
                        firsts.push(i);
                    }
                    class
                })
                .collect();
            partitions
                .entry(class_of)
                .or_insert_with(|| (Vec::new(), firsts))
                .0
                .push(g);
        }
        for (class_of, (groups, firsts)) in partitions {
            tracing::debug!(
                requirements = ?groups.iter().flat_map(|&g| &self.groups[g].ids).collect::<Vec<_>>(),
                products = jobs.len(),
                distinct = firsts.len(),
                "decided once per distinct part of the input they read"
            );
            let raw: Vec<Value> = firsts
                .par_iter()
                .map_init(
                    || self.vm(&self.group_program),
                    |vm, &i| {
                        let vm = vm.as_mut().map_err(|e| self.worker_error(e))?;
                        let input = with_groups(stand_in_inputs[i].clone(), &groups);
                        self.execute(vm, input, &product(&jobs[i]).id)
                    },
                )
                .collect::<Result<_>>()?;
            merge(
                jobs.par_iter()
                    .zip(class_of)
                    .map_init(
                        || self.vm(&self.group_program),
                        |vm, (job, class)| {
                            let id = &product(job).id;
                            match restore(&raw[class], &stand_in, id) {
                                Some(v) => self.read_decided(&v, GROUP_ENTRY, id),
                                None => alone(&groups, job, vm),
                            }
                        },
                    )
                    .collect::<Result<_>>()?,
            );
        }
        Ok(out)
    }

    /// Runs one deciding step (`entry` names it, for messages) and reads its results.
    fn decide(&self, vm: &mut RegoVM, entry: &str, input: Value, product: &str) -> Result<Decided> {
        let value = self.execute(vm, input, product)?;
        self.read_decided(&value, entry, product)
    }

    /// Reads a deciding step's results.
    fn read_decided(&self, value: &Value, entry: &str, product: &str) -> Result<Decided> {
        self.parse(value, product).map_err(|e| match e {
            Error::Evaluation {
                product,
                diagnostic,
            } => Error::Evaluation {
                product,
                diagnostic: Diagnostic::new(
                    &diagnostic.file,
                    diagnostic.line,
                    format!("{entry}: {}", diagnostic.message),
                ),
            },
            e => e,
        })
    }

    /// Composes the verdict of one key: natively when the catalogue keeps netvet's
    /// composition, else with the verdict step.
    fn compose(&self, vm: &mut RegoVM, key: &VerdictKey, product: &str) -> Result<Arc<Verdict>> {
        let value = match &self.native {
            Some(native) => native.compose(&key.results),
            None => self.execute(vm, key.input(), product)?,
        };
        self.verdict_of(&value, key, product)
    }

    /// Composes with the verdict step in the VM, whatever the catalogue (for tests comparing
    /// the native composition with it).
    #[cfg(test)]
    fn compose_in_vm(&self, vm: &mut RegoVM, key: &VerdictKey) -> Result<Arc<Verdict>> {
        let value = self.execute(vm, key.input(), "(test)")?;
        self.verdict_of(&value, key, "(test)")
    }

    fn verdict_of(&self, value: &Value, key: &VerdictKey, product: &str) -> Result<Arc<Verdict>> {
        if *value == Value::Undefined {
            return Err(Error::Evaluation {
                product: product.to_string(),
                diagnostic: Diagnostic::new(
                    &self.catalogue.root,
                    None,
                    format!(
                        "no verdict for signature {}: netvet.verdict.verdict(results) is undefined for it",
                        key.signature
                    ),
                ),
            });
        }
        self.parse(value, product).map(Arc::new)
    }

    /// Each placement's results and verdict from a product's decided requirements.
    /// Placements with the same applicable requirements share one result list and one verdict.
    fn expand(
        &self,
        decided: &BTreeMap<&str, &ResultOutput>,
        product: &str,
        roles: &[Placement],
        mut verdict: impl FnMut(&VerdictKey) -> Result<Arc<Verdict>>,
    ) -> Result<Vec<RoleOutput>> {
        let fail = |message: String| Error::Evaluation {
            product: product.to_string(),
            diagnostic: Diagnostic::new(&self.catalogue.root, None, message),
        };
        let mut shared: BTreeMap<std::borrow::Cow<'_, [String]>, RoleOutput> = BTreeMap::new();
        roles
            .iter()
            .map(|placement| {
                let role = placement.role;
                let key = role.key();
                let sig = self
                    .signatures
                    .of_role
                    .get(&role)
                    .ok_or_else(|| fail(format!("role {key} is not in the vocabulary")))?;
                // Under licences, the requirements scoped to them join the role's own.
                let (sig, applicable) = if placement.licences.is_empty() {
                    (
                        std::borrow::Cow::Borrowed(sig.as_str()),
                        std::borrow::Cow::Borrowed(self.signatures.applicable[sig].as_slice()),
                    )
                } else {
                    (
                        std::borrow::Cow::Owned(format!("{sig}+{}", placement.licences.join("+"))),
                        std::borrow::Cow::Owned(applicable(
                            &self.catalogue,
                            role,
                            &placement.licences,
                        )),
                    )
                };
                if let Some(o) = shared.get(&applicable) {
                    return Ok(o.clone());
                }
                let requirements = self
                    .catalogue
                    .requirements
                    .iter()
                    .map(|(id, loaded)| {
                        let r = if applicable.binary_search(id).is_ok() {
                            *decided
                                .get(id.as_str())
                                .ok_or_else(|| fail(format!("no result for requirement {id}")))?
                        } else {
                            &self.outside
                        };
                        Ok(RequirementResult {
                            id: id.clone(),
                            status: r.status,
                            consequence: loaded.requirement.consequence,
                            reasons: r.reasons.clone(),
                        })
                    })
                    .collect::<Result<Arc<[_]>>>()?;
                let o = RoleOutput {
                    requirements,
                    verdict: verdict(&VerdictKey::new(
                        &sig,
                        &applicable,
                        decided,
                        |id, status| self.reads_message(id, status),
                    ))?,
                };
                shared.insert(applicable, o.clone());
                Ok(o)
            })
            .collect()
    }

    fn assemble(
        &self,
        inputs: &Inputs,
        product: &Product,
        roles: &[Placement],
        outputs: Vec<RoleOutput>,
    ) -> Vec<Assessment> {
        let vendor_name = inputs
            .dossiers
            .vendors
            .get(&product.vendor)
            .map(|d| d.dossier.vendor.name.clone())
            .unwrap_or_default();
        let product_ref = Arc::new(ProductRef {
            id: product.id.clone(),
            vendor: product.vendor.clone(),
            vendor_name,
            name: product.name.clone(),
            version: product.version.clone(),
            fictional: product.fictional,
        });
        roles
            .iter()
            .zip(outputs)
            .map(|(placement, out)| Assessment {
                product: product_ref.clone(),
                role: placement.role,
                licences: placement.licences.clone(),
                critical: self.catalogue.is_critical(placement.role),
                verdict: out.verdict,
                requirements: out.requirements,
            })
            .collect()
    }
}

/// Assesses every product in the roles of its declared functions.
pub fn assess(catalogue: &Catalogue, inputs: &Inputs, limits: &Limits) -> Result<AssessmentReport> {
    let evaluator = Evaluator::new(catalogue, limits)?;
    let jobs = jobs(inputs.products, inputs.shares, &catalogue.licences());
    let assessments = evaluator.run(inputs, &jobs)?;
    Ok(report(catalogue, inputs, assessments))
}

/// Wraps assessments into a report with counts and warnings.
pub fn report(
    catalogue: &Catalogue,
    inputs: &Inputs,
    assessments: Vec<Assessment>,
) -> AssessmentReport {
    let mut summary = VerdictCounts::default();
    for a in &assessments {
        summary.add(a.verdict.decision);
    }
    AssessmentReport {
        schema: netvet_model::assessment::ASSESSMENT_SCHEMA.to_string(),
        catalogue: catalogue.reference(),
        as_of: inputs.as_of,
        assessments,
        summary,
        warnings: catalogue
            .info
            .validity_warning(inputs.as_of)
            .into_iter()
            .chain(evidence_warnings(inputs))
            .collect(),
    }
}

/// Scan reports that match no product's firmware.
pub fn evidence_warnings(inputs: &Inputs) -> Vec<String> {
    let known: BTreeSet<&str> = inputs
        .products
        .products
        .iter()
        .flat_map(|p| p.product.firmware.iter().map(|f| f.sha256.as_str()))
        .collect();
    let mut out = Vec::new();
    for (sha, scans) in &inputs.evidence.by_sha256 {
        if !known.contains(sha.as_str()) {
            for s in scans {
                out.push(format!(
                    "{}: image sha256 {sha} matches no product's firmware; not used",
                    s.file
                ));
            }
        }
    }
    out
}

/// `data.netvet.catalogue`: the metadata policies read.
fn catalogue_data(
    c: &Catalogue,
    sigs: &Signatures,
    per_vendor: &BTreeSet<String>,
    product_groups: &[&[String]],
) -> serde_json::Value {
    let requirements: serde_json::Map<String, serde_json::Value> = c
        .requirements
        .values()
        .map(|r| {
            let q = &r.requirement;
            let mut v = json!({
                "id": q.id,
                "title": q.title,
                "consequence": q.consequence,
                "legal_basis": q.legal_basis,
                "scope": q.scope,
                "licences": q.scope.licences,
                "params": q.params,
                "package": r.package.rsplit('.').next().unwrap_or_default(),
            });
            v["deadline"] = json!(q.deadline);
            v["effective"] = json!(q.deadline.unwrap_or(c.info.effective));
            (q.id.clone(), v)
        })
        .collect();
    json!({
        "id": c.info.id,
        "version": c.info.version,
        "jurisdiction": c.info.jurisdiction,
        "effective": c.info.effective,
        "legal_basis": c.info.legal_basis,
        "params": c.info.params,
        "requirements": requirements,
        "signatures": sigs.applicable,
        "role_signature": sigs.of_role.iter().map(|(r, s)| (r.key(), s.clone())).collect::<BTreeMap<_, _>>(),
        "role_signature_licensed": sigs.of_role_licensed.iter().map(|(r, s)| (r.key(), s.clone())).collect::<BTreeMap<_, _>>(),
        "per_vendor": per_vendor,
        "product_groups": product_groups,
    })
}

fn timer(limits: &Limits) -> regorus::utils::limits::ExecutionTimerConfig {
    regorus::utils::limits::ExecutionTimerConfig {
        limit: limits.eval_time,
        check_interval: NonZeroU32::new(64).unwrap_or(NonZeroU32::MIN),
    }
}

fn warm_up_input(c: &Catalogue) -> Value {
    Value::from(json!({
        "as_of": c.info.effective,
        "product": {
            "id": "warm-up", "vendor": "", "name": "", "version": "", "functions": [],
            "fictional": true, "certifications": [], "services": [], "firmware": [],
        },
        "vendor": null,
        "jurisdiction": null,
        "scans": [],
        "roles": Role::all().map(|r| role_json(c, r)).collect::<Vec<_>>(),
    }))
}

fn role_json(c: &Catalogue, r: Role) -> serde_json::Value {
    json!({
        "key": r.key(),
        "domain": r.domain,
        "function": r.function,
        "critical": c.is_critical(r),
    })
}

/// Builds evaluation inputs, converting each vendor, jurisdiction and scan once.
struct InputBuilder<'a> {
    inputs: &'a Inputs<'a>,
    catalogue: &'a Catalogue,
    vendors: HashMap<&'a str, (Value, Value)>,
    scans: HashMap<&'a str, Value>,
    roles: HashMap<Role, Value>,
}

impl<'a> InputBuilder<'a> {
    fn new(inputs: &'a Inputs<'a>, catalogue: &'a Catalogue) -> InputBuilder<'a> {
        let mut vendors = HashMap::new();
        for (id, d) in &inputs.dossiers.vendors {
            let v = &d.dossier.vendor;
            let facts: Vec<serde_json::Value> = d
                .dossier
                .facts
                .iter()
                .map(|f| with_ref(f, format!("dossier:{}:{}", v.id, f.id)))
                .collect();
            let vendor = json!({
                "id": v.id, "name": v.name, "jurisdiction": v.jurisdiction,
                "fictional": v.fictional, "by_kind": by_kind(&facts), "facts": facts,
            });
            let jurisdiction = match inputs.dossiers.jurisdictions.get(&v.jurisdiction) {
                Some(j) => {
                    let jj = &j.jurisdiction.jurisdiction;
                    let facts: Vec<serde_json::Value> = j
                        .jurisdiction
                        .facts
                        .iter()
                        .map(|f| with_ref(f, format!("jurisdiction:{}:{}", jj.code, f.id)))
                        .collect();
                    json!({
                        "code": jj.code, "name": jj.name, "fictional": jj.fictional,
                        "by_kind": by_kind(&facts), "facts": facts,
                    })
                }
                None => serde_json::Value::Null,
            };
            vendors.insert(
                id.as_str(),
                (Value::from(vendor), Value::from(jurisdiction)),
            );
        }
        let mut scans = HashMap::new();
        for (sha, list) in &inputs.evidence.by_sha256 {
            let projected: Vec<serde_json::Value> =
                list.iter().map(|s| scan_json(&s.report)).collect();
            scans.insert(
                sha.as_str(),
                Value::from(serde_json::Value::Array(projected)),
            );
        }
        let roles = Role::all()
            .map(|r| (r, Value::from(role_json(catalogue, r))))
            .collect();
        InputBuilder {
            inputs,
            catalogue,
            vendors,
            scans,
            roles,
        }
    }

    /// Certifications of this release or of its predecessors (nearest first, at most 16) that
    /// comparison evidence links to an image this release ships: a certificate lists a tested
    /// image, and an equivalence check or a diff goes from it to the shipped one. Each carries
    /// the comparison (`by`, `verdict` or `summary`, `proof`); the catalogue's rules decide
    /// whether it counts.
    fn carried(&self, p: &Product, id: &str) -> Vec<serde_json::Value> {
        let comparisons = &self.inputs.evidence.comparisons;
        if comparisons.is_empty() {
            return Vec::new();
        }
        let mut chain = vec![p];
        let mut seen = BTreeSet::from([p.id.as_str()]);
        let mut cur = p;
        while let Some(prev) = cur.predecessor.as_deref() {
            let Some(q) = self.inputs.products.get(prev) else {
                break;
            };
            if chain.len() > 16 || !seen.insert(prev) {
                break;
            }
            chain.push(&q.product);
            cur = &q.product;
        }
        let shipped: BTreeSet<&str> = p.firmware.iter().map(|f| f.sha256.as_str()).collect();
        let mut out = Vec::new();
        for q in chain {
            for (i, c) in q.certifications.iter().enumerate() {
                for cmp in comparisons {
                    if cmp.from_sha256 == cmp.to_sha256
                        || !shipped.contains(cmp.to_sha256.as_str())
                        || !c.firmware_sha256.contains(&cmp.from_sha256)
                    {
                        continue;
                    }
                    // The product's own id as the input gives it (see `input`).
                    let q_id = if std::ptr::eq(q, p) { id } else { &q.id };
                    let mut v = with_ref(c, format!("product:{q_id}:certification:{i}"));
                    if let serde_json::Value::Object(m) = &mut v {
                        m.insert("from_product".into(), q_id.into());
                        m.insert("from_release".into(), q.version.clone().into());
                        m.insert("from_sha256".into(), cmp.from_sha256.clone().into());
                        m.insert("to_sha256".into(), cmp.to_sha256.clone().into());
                        m.insert("by".into(), cmp.kind.into());
                        if let Some(verdict) = &cmp.verdict {
                            m.insert("verdict".into(), verdict.clone().into());
                        }
                        if let Some(summary) = &cmp.summary {
                            m.insert("summary".into(), summary.clone());
                        }
                        m.insert("proof".into(), format!("evidence:{}", cmp.file).into());
                    }
                    out.push(v);
                }
            }
        }
        out
    }

    /// The input of a vendor's evaluation: the parts of [`VENDOR_INPUT`].
    fn vendor_input(&self, vendor: &str) -> Value {
        let mut obj = BTreeMap::new();
        let key = |s: &str| Value::from(s);
        obj.insert(key("as_of"), Value::from(self.inputs.as_of.to_string()));
        obj.insert(key("product"), Value::from(json!({ "vendor": vendor })));
        let (v, jurisdiction) = self
            .vendors
            .get(vendor)
            .cloned()
            .unwrap_or((Value::Null, Value::Null));
        obj.insert(key("vendor"), v);
        obj.insert(key("jurisdiction"), jurisdiction);
        if let Some(shares) = self.inputs.shares {
            obj.insert(key("network"), Value::from(shares.vendor_json(vendor)));
        }
        Value::from(obj)
    }

    /// The input of a product's evaluation.
    fn input(&self, p: &Product, placements: &[Placement]) -> Value {
        self.input_as(p, placements, &p.id)
    }

    /// The input of a product's evaluation with `id` as the product's id, wherever the input
    /// holds it (its id, and the references of its certifications).
    fn input_as(&self, p: &Product, placements: &[Placement], id: &str) -> Value {
        let certifications: Vec<serde_json::Value> = p
            .certifications
            .iter()
            .enumerate()
            .map(|(i, c)| with_ref(c, format!("product:{id}:certification:{i}")))
            .collect();
        let mut product = json!({
            "id": id, "vendor": p.vendor, "name": p.name, "version": p.version,
            "functions": p.functions, "fictional": p.fictional,
            "certifications": certifications, "services": p.services, "firmware": p.firmware,
            "predecessor": p.predecessor,
            "carried_certifications": self.carried(p, id),
        });
        strip_nulls(&mut product);
        let mut obj = BTreeMap::new();
        let key = |s: &str| Value::from(s);
        obj.insert(key("as_of"), Value::from(self.inputs.as_of.to_string()));
        obj.insert(key("product"), Value::from(product));
        let (vendor, jurisdiction) = self
            .vendors
            .get(p.vendor.as_str())
            .cloned()
            .unwrap_or((Value::Null, Value::Null));
        obj.insert(key("vendor"), vendor);
        obj.insert(key("jurisdiction"), jurisdiction);
        let mut scans = Vec::new();
        for fw in &p.firmware {
            if let Some(Value::Array(list)) = self.scans.get(fw.sha256.as_str()) {
                scans.extend(list.iter().cloned());
            }
        }
        obj.insert(key("scans"), Value::from(scans));
        let distinct: BTreeSet<Role> = placements.iter().map(|p| p.role).collect();
        let roles: Vec<Value> = distinct
            .iter()
            .map(|r| {
                self.roles
                    .get(r)
                    .cloned()
                    .unwrap_or_else(|| Value::from(role_json(self.catalogue, *r)))
            })
            .collect();
        obj.insert(key("roles"), Value::from(roles));
        if let Some(shares) = self.inputs.shares {
            obj.insert(key("network"), Value::from(shares.vendor_json(&p.vendor)));
        }
        Value::from(obj)
    }
}

/// Facts grouped by kind, so a policy reads the facts of one kind without scanning them all.
fn by_kind(facts: &[serde_json::Value]) -> serde_json::Value {
    let mut m: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for f in facts {
        let kind = f["kind"].as_str().unwrap_or_default().to_string();
        m.entry(kind).or_default().push(f.clone());
    }
    json!(m)
}

/// Drops `null` members of objects, recursively: a policy tests presence (`c.expiry`), and a
/// present `null` would count as there.
fn strip_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn with_ref<T: serde::Serialize>(value: &T, reference: String) -> serde_json::Value {
    let mut v = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    strip_nulls(&mut v);
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("ref".to_string(), serde_json::Value::String(reference));
    }
    v
}

/// The parts of a scan report policies read (the layer report is left out).
fn scan_json(r: &ScanReport) -> serde_json::Value {
    let sha = &r.image.sha256;
    let mut v = json!({
        "ref": format!("scan:{sha}"),
        "sha256": sha,
        "image": r.image.image,
        "findings": r.findings.iter().map(|f| json!({
            "id": f.id, "check": f.check, "title": f.title, "severity": f.severity,
            "category": f.category, "references": f.references, "path": f.location.path,
        })).collect::<Vec<_>>(),
        "services": r.services.iter().map(|s| json!({
            "name": s.name, "ports": s.ports, "started_by": s.started_by,
            "authentication": s.authentication, "path": s.location.path,
        })).collect::<Vec<_>>(),
        "components": r.components.iter().map(|c| json!({
            "name": c.name, "version": c.version, "unsupported": c.unsupported,
            "end_of_support": c.end_of_support,
        })).collect::<Vec<_>>(),
        "vulnerabilities": r.vulnerabilities.iter().map(|v| json!({
            "id": v.id, "component": v.component, "severity": v.severity,
            "known_exploited": v.known_exploited,
        })).collect::<Vec<_>>(),
        "advisory_index": r.advisory_data.as_ref().map(|d| json!({
            "sources": d.feeds.iter().map(|f| f.feed.as_str()).collect::<Vec<_>>(),
            "advisories": d.advisories, "full_feeds": d.full_feeds, "kev": d.kev,
        })),
    });
    strip_nulls(&mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so failures repeat.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// The native default composition gives what `verdict.rego` gives in the VM, on random
    /// results over every built-in catalogue's requirements: every status, messages or none,
    /// and now and then a requirement the catalogue does not have.
    #[test]
    fn native_composition_matches_verdict_rego() {
        let statuses = [
            Status::Pass,
            Status::Fail,
            Status::NotApplicable,
            Status::Unknown,
        ];
        let messages = ["no scan", "a; b", "expired on 2024-01-01", "é ü"];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut seen = BTreeSet::new();
        for id in Catalogue::builtin_ids() {
            let c = Catalogue::load(&id, &Limits::default()).expect("built-in catalogue");
            let e = Evaluator::new(&c, &Limits::default()).expect("compiles");
            assert!(e.native.is_some(), "{id} keeps netvet's composition");
            let mut vm = e.vm(&e.verdict_program).expect("vm");
            let mut ids: Vec<String> = c.requirements.keys().cloned().collect();
            ids.push("NOT.IN.CATALOGUE".into());
            for _ in 0..400 {
                let mut results: Vec<(String, Status, Vec<String>)> = Vec::new();
                for r in &ids {
                    if rng.below(3) == 0 {
                        continue;
                    }
                    let n = rng.below(3);
                    let m = (0..n)
                        .map(|_| messages[rng.below(messages.len())].to_string())
                        .collect();
                    results.push((r.clone(), statuses[rng.below(4)], m));
                }
                results.sort();
                let key = VerdictKey {
                    signature: "test".into(),
                    results,
                };
                let native = e.compose(&mut vm, &key, "(test)").expect("native");
                let rego = e.compose_in_vm(&mut vm, &key).expect("rego");
                assert_eq!(native, rego, "{id}: {:?}", key.results);
                seen.insert(format!("{:?}", native.decision));
            }
        }
        assert_eq!(seen.len(), 3, "every decision was composed: {seen:?}");
    }
}
