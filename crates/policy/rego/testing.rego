# Fixtures for catalogue tests (loaded only by `netvet catalogue test`). Tests build inputs
# with these helpers and evaluate a requirement's sets, or its status in a role with
# data.netvet.assessment.status(id, "domain:function"), `with input as` them. The inputs have
# the shape netvet builds for a product (see docs/catalogue.md).
package netvet.testing

roles := [
	{"key": "RAN:gNB", "domain": "RAN", "function": "gNB"},
	{"key": "RAN:RU", "domain": "RAN", "function": "RU"},
	{"key": "core:AMF", "domain": "core", "function": "AMF"},
	{"key": "core:UPF", "domain": "core", "function": "UPF"},
	{"key": "management:EMS", "domain": "management", "function": "EMS"},
	{"key": "transport:router", "domain": "transport", "function": "router"},
	{"key": "transport:optical", "domain": "transport", "function": "optical"},
]

by_kind(facts) := {k: [f | some f in facts; f.kind == k] | some g in facts; k := g.kind}

vendor := {
	"id": "acme",
	"name": "Acme Radio Systems (fictional)",
	"jurisdiction": "XA",
	"fictional": true,
	"facts": [],
	"by_kind": {},
}

jurisdiction := {"code": "XA", "name": "Atlantis (fictional)", "fictional": true, "facts": [], "by_kind": {}}

product := {
	"id": "acme-test",
	"vendor": "acme",
	"name": "Test product (fictional)",
	"version": "1.0",
	"functions": ["gNB", "RU", "AMF", "UPF", "EMS", "router", "optical"],
	"fictional": true,
	"certifications": [],
	"services": [],
	"firmware": [],
}

# A product with no evidence at all.
base := {
	"as_of": "2025-06-30",
	"product": product,
	"vendor": vendor,
	"jurisdiction": jurisdiction,
	"scans": [],
	"roles": roles,
}

sha := "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

# An advisory index of full feeds with CISA KEV.
full_index := {"sources": ["cisa-kev", "nvd", "osv:Debian"], "advisories": 250000, "full_feeds": true, "kev": true}

# The built-in sample advisories: not full feeds.
sample_index := {"sources": ["builtin"], "advisories": 12, "full_feeds": false, "kev": true}

# A scan that found nothing, of the image `sha`, matched against full feeds.
clean_scan := {
	"ref": sprintf("scan:%s", [sha]),
	"sha256": sha,
	"image": "test.bin",
	"findings": [],
	"services": [],
	"components": [],
	"vulnerabilities": [],
	"advisory_index": full_index,
}

# A scan with some of its parts replaced.
scan(parts) := object.union(clean_scan, parts)

# The base input with one scan.
with_scan(s) := object.union(base, {"scans": [s]})

# The base input with product fields replaced.
with_product(fields) := object.union(base, {"product": object.union(product, fields)})

# An input with product fields replaced and one scan.
with_product_scan(fields, s) := object.union(with_product(fields), {"scans": [s]})

# The base input with vendor facts and home-jurisdiction facts (each fact needs id, kind,
# summary, date, status and ref).
with_facts(vendor_facts, law_facts) := object.union(base, {
	"vendor": object.union(vendor, {"facts": vendor_facts, "by_kind": by_kind(vendor_facts)}),
	"jurisdiction": object.union(jurisdiction, {"facts": law_facts, "by_kind": by_kind(law_facts)}),
})

# The base input for a product of another vendor (by dossier id).
of_vendor(id, name) := object.union(base, {
	"product": object.union(product, {"vendor": id}),
	"vendor": object.union(vendor, {"id": id, "name": name}),
})

# The base input with vendor shares from an inventory.
with_network(network) := object.union(base, {"network": network})

# A fact.
fact(id, kind, status, attrs) := object.union(
	{"id": id, "kind": kind, "summary": sprintf("fact %s", [id]), "date": "2020-01-01", "status": status, "ref": sprintf("dossier:acme:%s", [id])},
	attrs,
)

# A finding in the scan's form.
finding(id, check, category, severity) := {
	"id": id,
	"check": check,
	"title": check,
	"category": category,
	"severity": severity,
	"references": [],
	"path": "fw.bin!/etc/inittab",
}

# A service in the scan's form.
service(name, port, authentication) := {
	"name": name,
	"ports": [{"number": port, "protocol": "tcp"}],
	"started_by": "inittab",
	"authentication": authentication,
	"path": "fw.bin!/etc/inittab",
}

# A certificate in the product record's form.
certificate(scheme, release, expiry, digests) := {
	"scheme": scheme,
	"lab": "Test Lab (fictional)",
	"date": "2024-01-01",
	"expiry": expiry,
	"release": release,
	"firmware_sha256": digests,
	"ref": "product:acme-test:certification:0",
}

# A certificate of release `from_release` whose tested image `from_sha` a comparison (`by`:
# equivalence or diff, with its verdict or summary) links to the shipped image `to_sha`, as
# netvet puts it in input.product.carried_certifications.
carried(scheme, from_release, expiry, from_sha, to_sha, by, outcome) := object.union(
	certificate(scheme, from_release, expiry, [from_sha]),
	object.union(
		{
			"from_product": "acme-test-0.9",
			"from_release": from_release,
			"from_sha256": from_sha,
			"to_sha256": to_sha,
			"by": by,
			"proof": "evidence:compare.json",
		},
		outcome,
	),
)

# The status of requirement `id` in role `key` for input `inp`.
status(id, key, inp) := s if {
	s := data.netvet.assessment.status(id, key) with input as inp
}

# The status of requirement `id` in role `key` for input `inp`, the product used under every
# licence the catalogue declares (so its licence conditions apply).
status_licensed(id, key, inp) := s if {
	s := data.netvet.assessment.status_licensed(id, key) with input as inp
}
