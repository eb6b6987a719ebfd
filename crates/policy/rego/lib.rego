# Helpers for requirement rules: evidence lookups and the technical checks several catalogues
# share. Loaded with every catalogue; catalogues may not redefine package netvet.lib.
#
# Refer to these as data.netvet.lib.<name> rather than through `import data.netvet.lib`:
# regorus' VM evaluates every rule of an imported package each time a rule is read through the
# alias, which makes an assessment several times slower.
package netvet.lib

catalogue := data.netvet.catalogue

# A reason: a message and the evidence references it rests on.
reason(message, evidence) := {"message": message, "evidence": evidence}

# A parameter of requirement `id` (the requirement's own, else the catalogue-wide one: netvet
# merges them when it loads the catalogue).
param(id, name) := catalogue.requirements[id].params[name]

# ---- product --------------------------------------------------------------------------

product := input.product

# The product's citation, for a reason's evidence. Cite it, compare it with other references,
# or put it in a message; do not take it apart. A requirement that reads the product's id only
# through product_ref is decided once for all products alike in everything else it reads, with
# a stand-in id that netvet replaces by each product's id in the reasons (a result in which
# a piece of the stand-in is left is decided again for the product alone). To test the id
# itself, read input.product.id: the requirement is then decided for each product.
product_ref := sprintf("product:%s", [input.product.id])

# A certificate or evaluation covers this record's release (or the record is a product line).
release_matches(cert) if input.product.version == "*"

release_matches(cert) if cert.release == input.product.version

# ---- scan evidence ----------------------------------------------------------------------

scans := input.scans

has_scan if count(input.scans) > 0

scan_refs := [s.ref | some s in input.scans]

# Every finding with the scan it came from: {"scan": ref, "finding": f, "ref": evidence ref}.
findings contains {"scan": s.ref, "finding": f, "ref": sprintf("%s:finding:%s", [s.ref, f.id])} if {
	some s in input.scans
	some f in s.findings
}

# Every service a scan found: {"scan": ref, "service": svc, "ref": evidence ref}.
scanned_services contains {"scan": s.ref, "service": svc, "ref": sprintf("%s:service:%s", [s.ref, svc.name])} if {
	some s in input.scans
	some svc in s.services
}

severity_rank := {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

at_least(severity, minimum) if severity_rank[severity] >= severity_rank[minimum]

findings_of(category) := {f | some f in findings; f.finding.category == category}

# Daemons that give a remote shell or raw command access when they accept anyone.
remote_shells := {
	"telnetd", "utelnetd", "busybox-telnetd", "rshd", "rlogind", "rexecd", "sshd", "dropbear",
	"adbd", "bindshell", "nc", "netcat", "ncat", "socat", "sh", "ash", "bash",
}

# Scanned services that accept connections without authentication and give a shell.
unauthenticated_shells := {s | some s in scanned_services; s.service.authentication == "none"; lower(s.service.name) in remote_shells}

port_text(p) := sprintf("%d/%s", [p.number, p.protocol])

service_ports(svc) := concat(", ", [port_text(p) | some p in svc.ports])

# A scanned service is documented when the product record declares a service of the same
# name or one of its ports.
documented(svc) if {
	some d in input.product.services
	lower(d.name) == lower(svc.name)
}

documented(svc) if {
	some d in input.product.services
	some p in d.ports
	some q in svc.ports
	p.number == q.number
	p.protocol == q.protocol
}

undocumented_services := {s | some s in scanned_services; not documented(s.service)}

# Components the scan marks unsupported or whose end of support has passed.
unsupported_components contains {"scan": s.ref, "component": c, "ref": sprintf("%s:component:%s@%s", [s.ref, c.name, object.get(c, "version", "")])} if {
	some s in input.scans
	some c in s.components
	c.unsupported
}

unsupported_components contains {"scan": s.ref, "component": c, "ref": sprintf("%s:component:%s@%s", [s.ref, c.name, object.get(c, "version", "")])} if {
	some s in input.scans
	some c in s.components
	not c.unsupported
	c.end_of_support
	c.end_of_support < input.as_of
}

known_exploited contains {"scan": s.ref, "vulnerability": v, "ref": sprintf("%s:vulnerability:%s", [s.ref, v.id])} if {
	some s in input.scans
	some v in s.vulnerabilities
	v.known_exploited
}

# ---- dossier --------------------------------------------------------------------------

has_dossier if input.vendor.id

vendor_id := input.vendor.id

# The evidence reference of the vendor's dossier, also where there is none (for reasons that
# say so). Rules that cite only this and the dossier's facts are decided once per vendor.
vendor_ref := sprintf("dossier:%s", [input.product.vendor])

# The evidence reference of the vendor's shares in the operator inventory.
inventory_ref := sprintf("inventory:vendor:%s", [input.product.vendor])

# The vendor's name, or the product's vendor id when there is no dossier.
vendor_name := input.vendor.name if {
	input.vendor.name
} else := input.product.vendor

# Fact statuses a requirement accepts as established (parameter accepted_status, by default
# SOURCED only).
accepted_status(id) := param(id, "accepted_status")

accepted_status(id) := ["SOURCED"] if not param(id, "accepted_status")

accepted(id, fact) if fact.status in accepted_status(id)

# Vendor and home-jurisdiction facts of a kind (netvet groups them by kind in the input).
facts(kind) := object.get(input.vendor.by_kind, kind, [])

jurisdiction_facts(kind) := object.get(input.jurisdiction.by_kind, kind, [])

fact_ref(f) := f.ref

# ---- dates ----------------------------------------------------------------------------

# ISO dates compare as strings.
not_expired(cert) if not cert.expiry

not_expired(cert) if cert.expiry >= input.as_of

# ---- shared technical checks --------------------------------------------------------------
# Each gives the reasons to fail; requirement rules add their own unknown and pass reasons.

# Unauthenticated shells and back doors (TS 33.117 4.2.3.4.1.1, 4.2.4.1.2.1).
unauthenticated_access contains reason(
	sprintf("%s accepts connections without authentication (ports %s, started by %s): an unauthenticated shell", [s.service.name, service_ports(s.service), s.service.started_by]),
	[s.ref],
) if {
	some s in unauthenticated_shells
}

unauthenticated_access contains reason(sprintf("back door: %s (%s)", [f.finding.title, f.finding.path]), [f.ref]) if {
	some f in findings_of("backdoor")
}

# Hard-coded or default credentials at or above a severity (TS 33.117 4.2.3.4.2.2-3).
credentials(min_severity) := {reason(sprintf("%s: %s (%s, %s)", [f.finding.check, f.finding.title, f.finding.path, f.finding.severity]), [f.ref]) |
	some f in findings_of("credential")
	at_least(f.finding.severity, min_severity)
}

# Known exploited vulnerabilities (TS 33.117 4.4.3).
exploited contains reason(sprintf("%s in %s is known to be exploited (%s)", [k.vulnerability.id, k.vulnerability.component, k.vulnerability.severity]), [k.ref]) if {
	some k in known_exploited
}

# Whether a scan's vulnerability match rests on full feeds with CISA's KEV list in an index of
# at least `min_advisories` advisories. A clean match against a sample proves nothing.
full_coverage(s, min_advisories) if {
	s.advisory_index.full_feeds == true
	s.advisory_index.kev == true
	s.advisory_index.advisories >= min_advisories
}

coverage_text(s) := sprintf("%s matched against %d advisories from %s (full feeds: %v, CISA KEV: %v)", [s.ref, s.advisory_index.advisories, concat(", ", s.advisory_index.sources), s.advisory_index.full_feeds, s.advisory_index.kev]) if {
	s.advisory_index
} else := sprintf("%s records no advisory index", [s.ref])

# The unknown reasons of a vulnerability check whose scans were matched against less than full
# feeds with KEV (what to supply: a scan matched against them).
thin_coverage(min_advisories) := {reason(
	sprintf("supply a scan matched against full advisory feeds with CISA KEV (at least %d advisories): %s", [min_advisories, concat("; ", [coverage_text(s) | some s in thin])]),
	[s.ref | some s in thin],
) |
	thin := [s | some s in input.scans; not full_coverage(s, min_advisories)]
	count(thin) > 0
}

# The unknown reason of a scan-based check without a scan.
no_scan(what) := reason(sprintf("no scan of the product's firmware: %s", [what]), [product_ref])
