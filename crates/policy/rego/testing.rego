# Fixtures for catalogue tests (loaded only by `netvet catalogue test`). Tests build inputs
# from these with object.union and evaluate requirement sets or
# data.netvet.assessment.status(id, "domain:function") `with input as` them.
package netvet.testing

# Every role of the vocabulary that tests commonly use.
roles := [
	{"key": "RAN:gNB", "domain": "RAN", "function": "gNB", "critical": false},
	{"key": "core:AMF", "domain": "core", "function": "AMF", "critical": true},
	{"key": "core:UPF", "domain": "core", "function": "UPF", "critical": true},
	{"key": "management:EMS", "domain": "management", "function": "EMS", "critical": true},
	{"key": "transport:router", "domain": "transport", "function": "router", "critical": false},
]

vendor := {
	"id": "acme",
	"name": "Acme Radio Systems (fictional)",
	"jurisdiction": "XA",
	"fictional": true,
	"facts": [],
}

jurisdiction := {"code": "XA", "name": "Atlantis (fictional)", "fictional": true, "facts": []}

product := {
	"id": "acme-test",
	"vendor": "acme",
	"name": "Test product (fictional)",
	"version": "1.0",
	"functions": ["gNB", "AMF", "UPF", "EMS", "router"],
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

# A scan that found nothing.
clean_scan := {
	"ref": sprintf("scan:%s", [sha]),
	"sha256": sha,
	"image": "test.bin",
	"findings": [],
	"services": [],
	"components": [],
	"vulnerabilities": [],
}

# The base input with one scan.
with_scan(scan) := object.union(base, {"scans": [scan]})

# The base input with product fields replaced.
with_product(fields) := object.union(base, {"product": object.union(product, fields)})

# The base input with vendor facts and home-jurisdiction facts.
with_facts(vendor_facts, law_facts) := object.union(base, {
	"vendor": object.union(vendor, {"facts": vendor_facts}),
	"jurisdiction": object.union(jurisdiction, {"facts": law_facts}),
})

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
