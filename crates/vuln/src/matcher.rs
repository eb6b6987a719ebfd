//! Matching components against the index.
//!
//! Dispatch by what the component is:
//! - a distribution package with an OSV ecosystem (the component's `ecosystem`: Debian, Alpine,
//!   Rocky Linux, AlmaLinux, Red Hat, openEuler, openSUSE) is matched by ecosystem and name
//!   (and source package name) with that distribution's version scheme (dpkg, apk, rpm) —
//!   distribution advisories know their backports, so no CPE fallback. An ecosystem is also a
//!   family of the ecosystems stored under it (`Red Hat:enterprise_linux:9` covers
//!   `Red Hat:enterprise_linux:9::baseos` and `::appstream`), which are searched too;
//! - everything else (binaries found by classifiers, kernels, opkg packages of OpenWrt, which
//!   has no OSV ecosystem) is matched by CPE vendor:product with the upstream version under
//!   the generic scheme. An NVD AND configuration (`running on` a platform) matches only when
//!   the image has a component of one of its platforms.
//!
//! Every match records what was searched and the range that contained the version. A
//! version the scheme cannot parse is reported in [`MatchReport::not_comparable`], never
//! guessed.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use netvet_model::{Component, MatchEvidence, Severity, Vulnerability};

use crate::advisory::{Affected, CpeRange, Event};
use crate::cpe;
use crate::error::Result;
use crate::store::{AdvisoryRow, Index};
use crate::version::Scheme;
use crate::version::generic::{self, GenericVersion};

/// A component the matcher could not compare, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema)]
pub struct NotComparable {
    pub component: String,
    pub version: String,
    pub reason: String,
}

/// The outcome of matching.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct MatchReport {
    pub vulnerabilities: Vec<Vulnerability>,
    pub not_comparable: Vec<NotComparable>,
    /// Matches a VEX statement marked not affected (see [`crate::vex`]).
    pub suppressed: Vec<crate::vex::Suppressed>,
    /// Matches dropped because an AND configuration's platform is not in the image.
    pub dropped_platform: u64,
    /// Advisory ranges whose bounds the scheme could not parse (advisory data problems).
    pub bad_ranges: u64,
    /// Lookups made (package and CPE).
    pub lookups: u64,
    /// The advisory data matched against and its age ([`crate::assess`] fills it in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory_data: Option<netvet_model::AdvisoryData>,
}

/// An NVD range with its bounds parsed once (a product's rows are reused for every
/// component of that product).
struct Prepared {
    /// Rowid of the advisory (its header is fetched when the range matches).
    advisory: i64,
    source: Arc<str>,
    range: CpeRange,
    exact: Option<GenericVersion>,
    start_including: Option<GenericVersion>,
    start_excluding: Option<GenericVersion>,
    end_including: Option<GenericVersion>,
    end_excluding: Option<GenericVersion>,
    /// A bound the generic scheme cannot parse: the range never matches and is counted.
    unparseable: bool,
}

impl Prepared {
    fn new(advisory: i64, source: Arc<str>, range: CpeRange) -> Prepared {
        let mut unparseable = false;
        let mut p = |v: &Option<String>| {
            v.as_deref().and_then(|v| {
                let g = generic::parse(v);
                unparseable |= g.is_none();
                g
            })
        };
        let exact = p(&range.version);
        let start_including = p(&range.start_including);
        let start_excluding = p(&range.start_excluding);
        let end_including = p(&range.end_including);
        let end_excluding = p(&range.end_excluding);
        Prepared {
            advisory,
            source,
            range,
            exact,
            start_including,
            start_excluding,
            end_including,
            end_excluding,
            unparseable,
        }
    }

    /// Whether the range contains `v`.
    fn contains(&self, v: &GenericVersion) -> bool {
        if let Some(e) = &self.exact {
            return v == e || v.cmp(e) == Ordering::Equal;
        }
        if self.range.version.is_some() {
            return false;
        }
        let bounded = self.start_including.is_some()
            || self.start_excluding.is_some()
            || self.end_including.is_some()
            || self.end_excluding.is_some();
        // "Every version" criteria (`product:*` with no range) are too broad to match on; NVD
        // uses them for products it did not analyse.
        bounded
            && self.start_including.as_ref().is_none_or(|b| v >= b)
            && self.start_excluding.as_ref().is_none_or(|b| v > b)
            && self.end_including.as_ref().is_none_or(|b| v <= b)
            && self.end_excluding.as_ref().is_none_or(|b| v < b)
    }
}

/// A product's NVD ranges, searchable by version in time proportional to the matches: the
/// ranges sorted by lower bound form an implicit balanced tree (the middle of each slice is
/// its root), and each root records the greatest upper bound in its slice, so a search skips
/// every slice whose ranges all end below the version or all start above it. A product such
/// as the Linux kernel has tens of thousands of ranges; one version lies in few of them.
struct Ranges {
    /// Searchable ranges, sorted by lower bound (unbounded below first).
    items: Vec<Prepared>,
    /// Each item's position in the index's order (matches are reported in that order).
    order: Vec<usize>,
    /// For the slice rooted at each position: the item with the greatest upper bound, or
    /// `None` when some range in it has no upper bound.
    max_upper: Vec<Option<usize>>,
    /// Ranges with a bound the generic scheme cannot parse (never matched; counted).
    unparseable: u64,
}

impl Prepared {
    /// A bound no greater than the range's lowest version (`None`: unbounded below).
    fn lower(&self) -> Option<&GenericVersion> {
        self.exact
            .as_ref()
            .or(self.start_including.as_ref())
            .or(self.start_excluding.as_ref())
    }

    /// A bound no smaller than the range's highest version (`None`: unbounded above).
    fn upper(&self) -> Option<&GenericVersion> {
        self.exact
            .as_ref()
            .or(self.end_including.as_ref())
            .or(self.end_excluding.as_ref())
    }

    /// Whether the range can match anything: bounds parse, and it is bounded somewhere (an
    /// exact version bounds both sides).
    fn searchable(&self) -> bool {
        !self.unparseable && (self.lower().is_some() || self.upper().is_some())
    }
}

impl Ranges {
    fn new(rows: Vec<Prepared>) -> Ranges {
        let unparseable = rows.iter().filter(|p| p.unparseable).count() as u64;
        let mut keyed: Vec<(usize, Prepared)> = rows
            .into_iter()
            .enumerate()
            .filter(|(_, p)| p.searchable())
            .collect();
        keyed.sort_by(|a, b| match (a.1.lower(), b.1.lower()) {
            (None, None) => a.0.cmp(&b.0),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(y).then(a.0.cmp(&b.0)),
        });
        let (order, items): (Vec<usize>, Vec<Prepared>) = keyed.into_iter().unzip();
        let mut r = Ranges {
            max_upper: vec![None; items.len()],
            items,
            order,
            unparseable,
        };
        r.build(0, r.items.len());
        r
    }

    /// Fills `max_upper` for the slice `lo..hi`; returns its value (`Some(None)`: unbounded,
    /// `None`: empty slice).
    fn build(&mut self, lo: usize, hi: usize) -> Option<Option<usize>> {
        if lo >= hi {
            return None;
        }
        let mid = lo + (hi - lo) / 2;
        let mut best = self.items[mid].upper().map(|_| mid);
        for side in [self.build(lo, mid), self.build(mid + 1, hi)]
            .into_iter()
            .flatten()
        {
            best = match (best, side) {
                (Some(a), Some(b)) => {
                    let (ua, ub) = (self.items[a].upper(), self.items[b].upper());
                    if ub > ua { Some(b) } else { Some(a) }
                }
                _ => None,
            };
        }
        self.max_upper[mid] = best;
        Some(best)
    }

    /// Positions (in the index's order) of the ranges that contain `v`.
    fn containing(&self, v: &GenericVersion) -> Vec<usize> {
        let mut out = Vec::new();
        self.search(0, self.items.len(), v, &mut out);
        out.sort_unstable_by_key(|&i| self.order[i]);
        out
    }

    fn search(&self, lo: usize, hi: usize, v: &GenericVersion, out: &mut Vec<usize>) {
        if lo >= hi {
            return;
        }
        let mid = lo + (hi - lo) / 2;
        if let Some(i) = self.max_upper[mid]
            && self.items[i].upper().is_some_and(|u| u < v)
        {
            return;
        }
        self.search(lo, mid, v, out);
        if self.items[mid].lower().is_some_and(|l| l > v) {
            return;
        }
        if self.items[mid].contains(v) {
            out.push(mid);
        }
        self.search(mid + 1, hi, v, out);
    }
}

/// (advisory rowid, source file, affected entry) of an ecosystem package.
type PackageRange = (i64, Arc<str>, Affected);

/// Components from which [`Matcher::match_all`] uses several workers.
const PARALLEL_MIN: usize = 2_000;
/// Workers at most (each holds its own connection and caches).
const MAX_WORKERS: usize = 4;
/// Ranges (CPE and package) a worker keeps cached; past it the cache starts again. Components
/// are matched in key order, so those of one product come together and a cache of the recent
/// products serves them; without a bound the caches end up holding most of the index.
const CACHED_RANGES: usize = 10_000;
/// Advisory headers a worker keeps cached; past it the cache starts again.
const CACHED_HEADERS: usize = 5_000;

/// Matches components against an index.
pub struct Matcher<'i> {
    index: &'i Index,
    cpe_cache: HashMap<(String, String), Ranges>,
    package_cache: HashMap<(String, String), Vec<PackageRange>>,
    /// An ecosystem and the ecosystems stored under it ([`Index::ecosystems_under`]).
    family_cache: HashMap<String, Vec<String>>,
    headers: HashMap<i64, std::sync::Arc<AdvisoryRow>>,
    /// Ranges in `cpe_cache` and `package_cache`.
    cached_ranges: usize,
    /// Bounds of the caches ([`CACHED_RANGES`], [`CACHED_HEADERS`]; tests lower them).
    range_budget: usize,
    header_budget: usize,
    kev: Option<std::collections::HashSet<String>>,
    /// Advisory sources and scheme names, each held once and shared by every match.
    names: std::collections::HashSet<Arc<str>>,
}

/// How a component's key is printed in a Vulnerability.
pub fn component_key(c: &Component) -> String {
    c.purl
        .clone()
        .unwrap_or_else(|| format!("{}@{}", c.name, c.version.as_deref().unwrap_or("")))
}

fn upstream(v: &str) -> &str {
    let v = v.split_once(':').map_or(v, |(e, r)| {
        if e.chars().all(|c| c.is_ascii_digit()) {
            r
        } else {
            v
        }
    });
    match v.rfind('-') {
        Some(i) if i > 0 => &v[..i],
        _ => v,
    }
}

impl<'i> Matcher<'i> {
    pub fn new(index: &'i Index) -> Matcher<'i> {
        Matcher {
            index,
            cpe_cache: HashMap::new(),
            package_cache: HashMap::new(),
            family_cache: HashMap::new(),
            headers: HashMap::new(),
            cached_ranges: 0,
            range_budget: CACHED_RANGES,
            header_budget: CACHED_HEADERS,
            kev: None,
            names: std::collections::HashSet::new(),
        }
    }

    /// Matches every component. Results are sorted (component, advisory id).
    ///
    /// Large sets are matched by several workers (up to four), each with its own read-only
    /// connection to the index file and its own caches, on consecutive slices of the sorted
    /// components, so the result is the same as on one thread. Should the workers not see the
    /// same index content (a `db import` committed in between), the set is matched again on
    /// one connection.
    pub fn match_all(&mut self, components: &[Component]) -> Result<MatchReport> {
        let platforms: BTreeSet<String> = components
            .iter()
            .flat_map(|c| c.cpes.iter())
            .filter_map(|c| cpe::parse(c))
            .map(|c| format!("{}:{}", c.vendor, c.product))
            .collect();
        // Components are matched in the order of their keys, and each one's matches are
        // deduplicated and sorted on their own where they were appended: no sort of every
        // match by long strings, and no second copy of them all.
        let mut order: Vec<(String, usize)> = components
            .iter()
            .enumerate()
            .map(|(i, c)| (component_key(c), i))
            .collect();
        order.sort();
        let workers = if components.len() >= PARALLEL_MIN {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS))
        } else {
            1
        };
        if workers > 1
            && let Some(report) = self.match_parallel(components, &order, &platforms, workers)?
        {
            return Ok(report);
        }
        let index = self.index;
        let mut report = index.read(|| self.match_ordered(components, &order, &platforms))?;
        report.not_comparable.sort();
        report.not_comparable.dedup();
        Ok(report)
    }

    /// [`Matcher::match_all`] on `workers` threads; `None` when the index cannot be opened a
    /// second time (in memory) or the workers saw different content.
    fn match_parallel(
        &mut self,
        components: &[Component],
        order: &[(String, usize)],
        platforms: &BTreeSet<String>,
        workers: usize,
    ) -> Result<Option<MatchReport>> {
        let mut others = Vec::new();
        for _ in 1..workers {
            match self.index.reopen() {
                Some(Ok(idx)) => others.push(idx),
                Some(Err(e)) => {
                    tracing::debug!("matching on one connection: {e}");
                    return Ok(None);
                }
                None => return Ok(None),
            }
        }
        let chunk = order.len().div_ceil(workers);
        let mut slices = order.chunks(chunk);
        let first = slices.next().unwrap_or(&[]);
        let index = self.index;
        let parts = std::thread::scope(|s| {
            let handles: Vec<_> = slices
                .zip(others)
                .map(|(slice, idx)| {
                    s.spawn(move || {
                        idx.read(|| {
                            let token = idx.snapshot_token()?;
                            let report =
                                Matcher::new(&idx).match_ordered(components, slice, platforms)?;
                            Ok((token, report))
                        })
                    })
                })
                .collect();
            let mine = index.read(|| {
                let token = index.snapshot_token()?;
                Ok((token, self.match_ordered(components, first, platforms)?))
            });
            let mut parts = vec![mine];
            for h in handles {
                parts.push(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
            }
            parts
        });
        // The caches are no longer needed: freed before the merged array is allocated, the
        // peak is lower.
        self.cpe_cache = HashMap::new();
        self.package_cache = HashMap::new();
        self.headers = HashMap::new();
        self.cached_ranges = 0;
        let mut report = MatchReport::default();
        // Room for every match at once: growing by doubling would hold the old and new
        // buffers of the largest array of the run together.
        let total = parts
            .iter()
            .map(|p| p.as_ref().map_or(0, |(_, r)| r.vulnerabilities.len()))
            .sum();
        report.vulnerabilities.reserve_exact(total);
        let mut token = None;
        for part in parts {
            let (t, r) = part?;
            if token.get_or_insert_with(|| t.clone()) != &t {
                return Ok(None);
            }
            report.vulnerabilities.extend(r.vulnerabilities);
            report.not_comparable.extend(r.not_comparable);
            report.suppressed.extend(r.suppressed);
            report.dropped_platform += r.dropped_platform;
            report.bad_ranges += r.bad_ranges;
            report.lookups += r.lookups;
        }
        report.not_comparable.sort();
        report.not_comparable.dedup();
        Ok(Some(report))
    }

    /// Matches the components `order` names, in that order.
    fn match_ordered(
        &mut self,
        components: &[Component],
        order: &[(String, usize)],
        platforms: &BTreeSet<String>,
    ) -> Result<MatchReport> {
        let mut report = MatchReport::default();
        if self.kev.is_none() {
            self.kev = Some(self.index.kev_ids()?);
        }
        let mut mine = Vec::new();
        for &(_, i) in order {
            let start = report.vulnerabilities.len();
            self.match_one(&components[i], platforms, &mut report)?;
            if report.vulnerabilities.len() == start {
                continue;
            }
            mine.extend(report.vulnerabilities.drain(start..));
            dedupe_component(&mut mine);
            let kev = self.kev.as_ref();
            for v in &mut mine {
                v.known_exploited = kev.is_some_and(|k| {
                    std::iter::once(&v.id)
                        .chain(v.aliases.iter())
                        .any(|id| k.contains(id))
                });
                if v.known_exploited && v.severity < Severity::High {
                    // An unscored advisory that is exploited in the wild is not "info".
                    v.severity = Severity::High;
                }
            }
            mine.sort_unstable_by(|a, b| a.id.cmp(&b.id));
            report.vulnerabilities.append(&mut mine);
        }
        Ok(report)
    }

    fn match_one(
        &mut self,
        c: &Component,
        platforms: &BTreeSet<String>,
        report: &mut MatchReport,
    ) -> Result<()> {
        let key: Arc<str> = component_key(c).into();
        let Some(version) = c.version.as_deref() else {
            report.not_comparable.push(NotComparable {
                component: key.to_string(),
                version: String::new(),
                reason: "no version found".to_string(),
            });
            return Ok(());
        };
        if let Some(eco) = &c.ecosystem {
            let scheme = Scheme::for_ecosystem(eco);
            if !scheme.valid(version) {
                report.not_comparable.push(NotComparable {
                    component: key.to_string(),
                    version: version.to_string(),
                    reason: format!("not a {} version", scheme.as_str()),
                });
                return Ok(());
            }
            let scheme_name = self.shared(scheme.as_str());
            // Maven advisories name `groupId:artifactId`, which the PURL carries.
            let maven = (eco.as_str() == netvet_sbom::java::ECOSYSTEM)
                .then(|| c.purl.as_deref().and_then(netvet_sbom::java::osv_name))
                .flatten();
            let mut names = vec![maven.unwrap_or_else(|| c.name.clone())];
            if let Some(src) = &c.source_package {
                names.push(src.clone());
            }
            if !self.family_cache.contains_key(eco) {
                let mut family = vec![eco.clone()];
                family.extend(self.index.ecosystems_under(eco)?);
                self.family_cache.insert(eco.clone(), family);
            }
            let family = self.family_cache[eco].clone();
            for eco in &family {
                for name in &names {
                    report.lookups += 1;
                    let lookup = (eco.clone(), name.clone());
                    if !self.package_cache.contains_key(&lookup) {
                        let rows: Vec<PackageRange> = self
                            .index
                            .package_ranges(eco, name)?
                            .into_iter()
                            .map(|(rowid, source, aff)| (rowid, self.shared(&source), aff))
                            .collect();
                        self.make_room(rows.len());
                        self.package_cache.insert(lookup.clone(), rows);
                    }
                    let mut searched: Option<Arc<str>> = None;
                    for (rowid, source, aff) in &self.package_cache[&lookup] {
                        if let Some((matched, fixed)) =
                            affects(aff, scheme, version, &mut report.bad_ranges)
                        {
                            let Some(header) = header(self.index, &mut self.headers, *rowid)?
                            else {
                                continue;
                            };
                            let adv = &*header;
                            report.vulnerabilities.push(vulnerability(
                                adv,
                                &key,
                                fixed,
                                format!("osv {eco} {name} {version} in {matched}"),
                                MatchEvidence {
                                    searched: searched
                                        .get_or_insert_with(|| {
                                            format!("osv {eco} {name} {version}").into()
                                        })
                                        .clone(),
                                    matched,
                                    scheme: scheme_name.clone(),
                                    source: source.clone(),
                                },
                            ));
                        }
                    }
                }
            }
            return Ok(());
        }
        let up = upstream(version);
        if c.cpes.is_empty() {
            return Ok(());
        }
        if !Scheme::Generic.valid(up) {
            report.not_comparable.push(NotComparable {
                component: key.to_string(),
                version: version.to_string(),
                reason: format!("upstream version {up:?} is not comparable (generic scheme)"),
            });
            return Ok(());
        }
        let Some(parsed_version) = generic::parse(up) else {
            return Ok(());
        };
        let generic_name = self.shared(Scheme::Generic.as_str());
        let mut seen = BTreeSet::new();
        for name in &c.cpes {
            let Some(parsed) = cpe::parse(name) else {
                continue;
            };
            let vp = (parsed.vendor.clone(), parsed.product.clone());
            if !seen.insert(vp.clone()) {
                continue;
            }
            report.lookups += 1;
            if !self.cpe_cache.contains_key(&vp) {
                let rows = self.index.cpe_ranges(&vp.0, &vp.1)?;
                let prepared: Vec<Prepared> = rows
                    .into_iter()
                    .map(|(a, s, r)| Prepared::new(a, self.shared(&s), r))
                    .collect();
                self.make_room(prepared.len());
                self.cpe_cache.insert(vp.clone(), Ranges::new(prepared));
            }
            let mut searched: Option<Arc<str>> = None;
            let ranges = &self.cpe_cache[&vp];
            report.bad_ranges += ranges.unparseable;
            for i in ranges.containing(&parsed_version) {
                let p = &ranges.items[i];
                let Some(header) = header(self.index, &mut self.headers, p.advisory)? else {
                    continue;
                };
                let adv = &*header;
                let range = &p.range;
                let matched = range.describe();
                if !range.platforms.is_empty()
                    && !range.platforms.iter().any(|p| platforms.contains(p))
                {
                    report.dropped_platform += 1;
                    continue;
                }
                let searched = searched
                    .get_or_insert_with(|| {
                        format!("cpe:2.3:{}:{}:{}:{}", parsed.part, vp.0, vp.1, up).into()
                    })
                    .clone();
                let fixed = range.end_excluding.clone();
                report.vulnerabilities.push(vulnerability(
                    adv,
                    &key,
                    fixed,
                    format!("cpe {}:{} {up} in {matched}", vp.0, vp.1),
                    MatchEvidence {
                        searched,
                        matched,
                        scheme: generic_name.clone(),
                        source: p.source.clone(),
                    },
                ));
            }
        }
        Ok(())
    }
}

impl Matcher<'_> {
    /// `name`, shared.
    fn shared(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.names.get(name) {
            return n.clone();
        }
        let n: Arc<str> = name.into();
        self.names.insert(n.clone());
        n
    }

    /// Empties the range caches when `more` ranges would take them past their bound, and the
    /// header cache when it is full.
    fn make_room(&mut self, more: usize) {
        if self.cached_ranges + more > self.range_budget {
            self.cpe_cache.clear();
            self.package_cache.clear();
            self.cached_ranges = 0;
        }
        self.cached_ranges += more;
        if self.headers.len() >= self.header_budget {
            self.headers.clear();
        }
    }
}

/// An advisory's header, fetched once per match run (while the cache holds it).
fn header(
    index: &Index,
    headers: &mut HashMap<i64, std::sync::Arc<AdvisoryRow>>,
    rowid: i64,
) -> Result<Option<std::sync::Arc<AdvisoryRow>>> {
    if let Some(h) = headers.get(&rowid) {
        return Ok(Some(h.clone()));
    }
    let Some(h) = index.advisory_row(rowid)? else {
        return Ok(None);
    };
    let h = std::sync::Arc::new(h);
    headers.insert(rowid, h.clone());
    Ok(Some(h))
}

fn vulnerability(
    adv: &AdvisoryRow,
    key: &Arc<str>,
    fixed: Option<String>,
    matched_by: String,
    evidence: MatchEvidence,
) -> Vulnerability {
    Vulnerability {
        id: adv.id.clone(),
        aliases: adv.aliases.clone(),
        component: key.clone(),
        severity: adv.severity.unwrap_or(Severity::Medium),
        cvss: adv.cvss,
        fixed_in: fixed,
        known_exploited: false,
        matched_by,
        summary: adv.summary.clone(),
        evidence: Some(evidence),
    }
}

/// One vulnerability per advisory for one component's matches; an advisory whose id is
/// another's alias (DSA-… aliasing CVE-…) is kept once, under the CVE.
fn dedupe_component(group: &mut Vec<Vulnerability>) {
    if group.len() < 2 {
        return;
    }
    let mut by: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Vulnerability> = Vec::with_capacity(group.len());
    for x in group.drain(..) {
        let hit = std::iter::once(&x.id)
            .chain(x.aliases.iter())
            .find_map(|n| by.get(n).copied());
        match hit {
            Some(i) => {
                let y = &mut out[i];
                if x.id.starts_with("CVE-") && !y.id.starts_with("CVE-") {
                    let old = std::mem::replace(y, x);
                    if !y.aliases.contains(&old.id) {
                        y.aliases.push(old.id);
                    }
                } else if !y.aliases.contains(&x.id) && y.id != x.id {
                    y.aliases.push(x.id);
                }
                y.aliases.sort();
                for n in std::iter::once(&y.id).chain(y.aliases.iter()) {
                    by.insert(n.clone(), i);
                }
            }
            None => {
                for n in std::iter::once(&x.id).chain(x.aliases.iter()) {
                    by.insert(n.clone(), out.len());
                }
                out.push(x);
            }
        }
    }
    *group = out;
}

/// Whether an OSV affected entry contains `version`; returns the matching range described,
/// and the fixed version when there is one.
pub fn affects(
    aff: &Affected,
    scheme: Scheme,
    version: &str,
    bad: &mut u64,
) -> Option<(String, Option<String>)> {
    if aff.versions.iter().any(|v| v == version) {
        return Some((format!("={version}"), None));
    }
    for range in &aff.ranges {
        let scheme = if range.kind == "SEMVER" {
            Scheme::Semver
        } else {
            scheme
        };
        let mut introduced: Option<&str> = None;
        for ev in &range.events {
            match ev {
                Event::Introduced(v) => introduced = Some(v),
                Event::Fixed(f) | Event::Limit(f) => {
                    if let Some(i) = introduced.take() {
                        match in_range(scheme, version, i, Some((f, false))) {
                            Ok(true) => {
                                return Some((
                                    describe(i, Some((f, false))),
                                    matches!(ev, Event::Fixed(_)).then(|| f.clone()),
                                ));
                            }
                            Ok(false) => {}
                            Err(()) => *bad += 1,
                        }
                    }
                }
                Event::LastAffected(l) => {
                    if let Some(i) = introduced.take() {
                        match in_range(scheme, version, i, Some((l, true))) {
                            Ok(true) => return Some((describe(i, Some((l, true))), None)),
                            Ok(false) => {}
                            Err(()) => *bad += 1,
                        }
                    }
                }
            }
        }
        if let Some(i) = introduced {
            match in_range(scheme, version, i, None) {
                Ok(true) => return Some((describe(i, None), None)),
                Ok(false) => {}
                Err(()) => *bad += 1,
            }
        }
    }
    None
}

fn describe(introduced: &str, end: Option<(&String, bool)>) -> String {
    let start = if introduced == "0" {
        String::new()
    } else {
        format!(">={introduced}")
    };
    let end = match end {
        Some((v, true)) => format!("<={v}"),
        Some((v, false)) => format!("<{v}"),
        None => String::new(),
    };
    match (start.is_empty(), end.is_empty()) {
        (true, true) => "all versions".to_string(),
        (false, false) => format!("{start}, {end}"),
        _ => start + &end,
    }
}

fn in_range(
    scheme: Scheme,
    v: &str,
    introduced: &str,
    end: Option<(&String, bool)>,
) -> std::result::Result<bool, ()> {
    if introduced != "0" && scheme.compare(v, introduced).map_err(|_| ())? == Ordering::Less {
        return Ok(false);
    }
    match end {
        None => Ok(true),
        Some((e, inclusive)) => {
            let o = scheme.compare(v, e).map_err(|_| ())?;
            Ok(o == Ordering::Less || (inclusive && o == Ordering::Equal))
        }
    }
}

/// Whether an NVD CPE match contains upstream version `v`; returns the range described.
/// A bound (or `v`) the generic scheme cannot parse counts in `bad` and never matches.
pub fn cpe_affects(r: &CpeRange, v: &str, bad: &mut u64) -> Option<String> {
    let p = Prepared::new(0, Arc::from(""), r.clone());
    if p.unparseable {
        *bad += 1;
        return None;
    }
    let v = generic::parse(v)?;
    p.contains(&v).then(|| r.describe())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisory::Range;
    use std::collections::BTreeMap;

    /// Enough components for several workers: programs by CPE (some with versions no scheme
    /// orders), Debian packages, and duplicates of one key.
    fn many_components() -> Vec<Component> {
        let mut out = Vec::new();
        for i in 0..PARALLEL_MIN as u32 {
            let (name, version, cpes, eco) = match i % 4 {
                0 => {
                    let v = format!("2.{}", 40 + i % 50);
                    let cpe = format!("cpe:2.3:a:thekelleys:dnsmasq:{v}:*:*:*:*:*:*:*");
                    ("dnsmasq", v, vec![cpe], None)
                }
                1 => {
                    let v = format!("1.0.{}{}", i % 3, char::from(b'a' + (i % 26) as u8));
                    let cpe = format!("cpe:2.3:a:openssl:openssl:{v}:*:*:*:*:*:*:*");
                    ("openssl", v, vec![cpe], None)
                }
                2 => {
                    let v = format!("3.0.{}-1~deb12u1", i % 17);
                    ("openssl", v, vec![], Some("Debian:12"))
                }
                _ => {
                    let v = format!("2020-02-{:02}-2ee323c0-1", 1 + i % 28);
                    let cpe = "cpe:2.3:a:thekelleys:dnsmasq:*:*:*:*:*:*:*:*".to_string();
                    ("dnsmasq", v, vec![cpe], None)
                }
            };
            out.push(Component {
                name: name.into(),
                version: Some(version.clone()),
                kind: netvet_model::ComponentType::Package,
                purl: Some(format!("pkg:generic/{name}@{version}?n={}", i % 1500)),
                cpes,
                end_of_support: None,
                unsupported: false,
                evidence: vec![],
                ecosystem: eco.map(str::to_string),
                source_package: None,
                distro: None,
                properties: BTreeMap::new(),
            });
        }
        out
    }

    /// Several workers on their own connections give exactly what one connection gives.
    #[test]
    fn workers_match_as_one_connection_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("advisories.db");
        Index::create(&path).unwrap().import_builtin().unwrap();
        let components = many_components();
        // An index opened for importing is never opened a second time: one connection.
        let single = Index::create(&path).unwrap();
        assert!(single.reopen().is_none());
        let serial = Matcher::new(&single).match_all(&components).unwrap();
        let opened = Index::open(&path).unwrap();
        assert!(opened.reopen().is_some());
        let mut m = Matcher::new(&opened);
        let order: Vec<(String, usize)> = {
            let mut o: Vec<_> = components
                .iter()
                .enumerate()
                .map(|(i, c)| (component_key(c), i))
                .collect();
            o.sort();
            o
        };
        let platforms = BTreeSet::new();
        let parallel = m
            .match_parallel(&components, &order, &platforms, 3)
            .unwrap()
            .expect("three connections to one file");
        assert!(
            serial.vulnerabilities.len() > 1000,
            "{}",
            serial.vulnerabilities.len()
        );
        assert!(!serial.not_comparable.is_empty());
        assert_eq!(parallel, serial);
        assert_eq!(
            Matcher::new(&opened).match_all(&components).unwrap(),
            serial
        );
    }

    /// Caches that start again at every lookup change nothing but the time taken.
    #[test]
    fn bounded_caches_match_as_unbounded_ones_do() {
        let idx = Index::builtin().unwrap();
        let components = many_components();
        let unbounded = Matcher::new(&idx).match_all(&components).unwrap();
        assert!(unbounded.vulnerabilities.len() > 1000);
        let mut m = Matcher::new(&idx);
        m.range_budget = 1;
        m.header_budget = 1;
        assert_eq!(m.match_all(&components).unwrap(), unbounded);
    }

    fn range(events: Vec<Event>) -> Affected {
        Affected {
            ecosystem: "Debian:12".into(),
            name: "x".into(),
            ranges: vec![Range {
                kind: "ECOSYSTEM".into(),
                events,
            }],
            versions: vec![],
        }
    }

    #[test]
    fn osv_ranges_respect_introduced_fixed_and_last_affected() {
        let mut bad = 0;
        let a = range(vec![
            Event::Introduced("0".into()),
            Event::Fixed("3.0.13-1~deb12u1".into()),
        ]);
        assert!(affects(&a, Scheme::Dpkg, "3.0.11-1~deb12u2", &mut bad).is_some());
        assert!(affects(&a, Scheme::Dpkg, "3.0.13-1~deb12u1", &mut bad).is_none());
        assert!(affects(&a, Scheme::Dpkg, "3.0.15-1~deb12u1", &mut bad).is_none());
        let l = range(vec![
            Event::Introduced("1.0".into()),
            Event::LastAffected("1.5".into()),
        ]);
        assert!(affects(&l, Scheme::Dpkg, "1.5", &mut bad).is_some());
        assert!(affects(&l, Scheme::Dpkg, "1.6", &mut bad).is_none());
        assert!(affects(&l, Scheme::Dpkg, "0.9", &mut bad).is_none());
        let open = range(vec![Event::Introduced("2.0".into())]);
        assert_eq!(
            affects(&open, Scheme::Dpkg, "9.0", &mut bad).unwrap().0,
            ">=2.0"
        );
        assert_eq!(bad, 0);
        let broken = range(vec![
            Event::Introduced("0".into()),
            Event::Fixed("not a version".into()),
        ]);
        assert!(affects(&broken, Scheme::Dpkg, "1.0", &mut bad).is_none());
        assert_eq!(bad, 1);
    }

    fn cpe(
        v: Option<&str>,
        si: Option<&str>,
        se: Option<&str>,
        ei: Option<&str>,
        ee: Option<&str>,
    ) -> CpeRange {
        let o = |x: Option<&str>| x.map(str::to_string);
        CpeRange {
            part: "a".into(),
            vendor: "linux".into(),
            product: "linux_kernel".into(),
            version: o(v),
            start_including: o(si),
            start_excluding: o(se),
            end_including: o(ei),
            end_excluding: o(ee),
            platforms: vec![],
        }
    }

    /// The range tree finds exactly the ranges a linear scan finds, in the index's order,
    /// for bounded, half-open, exact, unbounded and unparseable ranges alike.
    #[test]
    fn range_tree_agrees_with_a_linear_scan() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        fn ver(next: &mut dyn FnMut(u64) -> u64) -> String {
            format!("{}.{}.{}", next(4), next(6), next(8))
        }
        let mut rows = Vec::new();
        for i in 0..3000 {
            let a = ver(&mut next);
            let b = ver(&mut next);
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let r = match next(7) {
                0 => cpe(Some(&lo), None, None, None, None),
                1 => cpe(None, Some(&lo), None, None, Some(&hi)),
                2 => cpe(None, None, Some(&lo), Some(&hi), None),
                3 => cpe(None, None, None, None, Some(&hi)),
                4 => cpe(None, Some(&lo), None, None, None),
                5 => cpe(None, None, None, None, None),
                _ => cpe(None, Some("not a version!"), None, None, Some(&hi)),
            };
            rows.push(Prepared::new(i, Arc::from(""), r));
        }
        let linear: Vec<Prepared> = rows
            .iter()
            .map(|p| Prepared::new(p.advisory, Arc::from(""), p.range.clone()))
            .collect();
        let tree = Ranges::new(rows);
        assert_eq!(
            tree.unparseable,
            linear.iter().filter(|p| p.unparseable).count() as u64
        );
        for _ in 0..500 {
            let v = generic::parse(&ver(&mut next)).unwrap();
            let want: Vec<i64> = linear
                .iter()
                .filter(|p| !p.unparseable && p.contains(&v))
                .map(|p| p.advisory)
                .collect();
            let got: Vec<i64> = tree
                .containing(&v)
                .into_iter()
                .map(|i| tree.items[i].advisory)
                .collect();
            assert_eq!(got, want, "version {v:?}");
        }
        assert!(
            Ranges::new(vec![])
                .containing(&generic::parse("1.0").unwrap())
                .is_empty()
        );
    }

    #[test]
    fn cpe_ranges_and_exact_versions() {
        let mut bad = 0;
        let r = CpeRange {
            part: "a".into(),
            vendor: "openssl".into(),
            product: "openssl".into(),
            version: None,
            start_including: Some("1.0.1".into()),
            start_excluding: None,
            end_including: None,
            end_excluding: Some("1.0.1g".into()),
            platforms: vec![],
        };
        assert_eq!(
            cpe_affects(&r, "1.0.1e", &mut bad).as_deref(),
            Some(">=1.0.1, <1.0.1g")
        );
        assert!(cpe_affects(&r, "1.0.1g", &mut bad).is_none());
        assert!(cpe_affects(&r, "1.0.0", &mut bad).is_none());
        assert!(cpe_affects(&r, "1.0.2", &mut bad).is_none());
        let exact = CpeRange {
            version: Some("2016.74".into()),
            start_including: None,
            end_excluding: None,
            ..r.clone()
        };
        assert!(cpe_affects(&exact, "2016.74", &mut bad).is_some());
        assert!(cpe_affects(&exact, "2016.75", &mut bad).is_none());
        let any = CpeRange {
            start_including: None,
            end_excluding: None,
            ..r
        };
        assert!(cpe_affects(&any, "1.0", &mut bad).is_none());
    }
}
