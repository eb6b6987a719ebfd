# The default verdict composition under this catalogue.
package netvet.tests.de_2019_verdict

import data.netvet.testing as t

verdict(key, inp) := v if {
	some s in {data.netvet.catalogue.role_signature[key]}
	results := data.netvet.assessment.results(data.netvet.catalogue.signatures[s]) with input as inp
	v := data.netvet.verdict.verdict(results) with input as inp
}

fw := {"image": "test.bin", "sha256": t.sha, "signed_updates": true}

cert := t.certificate("NESAS-CCS-GI", "1.0", "2027-01-01", [t.sha])

trust := t.fact("T1", "declaration", "SOURCED", {"by": "vendor", "subject": "trustworthiness"})

# The input with the vendor's trustworthiness declaration on record.
declared(inp) := object.union(inp, {"vendor": object.union(inp.vendor, {"facts": [trust], "by_kind": {"declaration": [trust]}})})

# Everything the catalogue asks for, supplied and clean.
complete := declared(t.with_product_scan({"firmware": [fw], "certifications": [cert]}, t.clean_scan))

test_back_door_gives_prohibit if {
	s := t.scan({"services": [t.service("telnetd", 2323, "none")]})
	verdict("core:AMF", t.with_scan(s)).decision == "prohibit"
}

# Missing evidence is something to supply, not a condition the draft imposes.
test_missing_evidence_is_listed_as_evidence_needed_not_as_conditions if {
	v := verdict("core:AMF", t.base)
	v.decision == "allow-with-conditions"
	count(v.conditions) == 0
	{c.requirement | some c in v.evidence_needed} == {"DE.KAT.AUTH", "DE.KAT.CERT", "DE.KAT.CREDENTIALS", "DE.KAT.KEV", "DE.KAT.SIGNED_UPDATES", "DE.KAT.SUPPLYCHAIN", "DE.KAT.TRUST", "DE.KAT.UNDOCUMENTED", "DE.KAT.UNSUPPORTED"}
}

test_complete_clean_evidence_gives_allow if {
	v := verdict("core:AMF", complete)
	v.decision == "allow"
	count(v.evidence_needed) == 0
	count(v.conditions) == 0
}

# An unsupported component is a condition to meet (what to do), not evidence to supply.
test_unsupported_component_is_a_condition_imposed if {
	s := object.union(t.clean_scan, {"components": [{"name": "openssl", "version": "1.0.2k", "unsupported": true}]})
	v := verdict("core:AMF", declared(t.with_product_scan({"firmware": [fw], "certifications": [cert]}, s)))
	v.decision == "allow-with-conditions"
	count(v.evidence_needed) == 0
	[c.requirement | some c in v.conditions] == ["DE.KAT.UNSUPPORTED"]
}

# A clean match against the built-in sample is evidence missing, so no allow.
test_clean_match_against_a_sample_is_not_allow if {
	s := object.union(t.clean_scan, {"advisory_index": t.sample_index})
	v := verdict("core:AMF", declared(t.with_product_scan({"firmware": [fw], "certifications": [cert]}, s)))
	v.decision == "allow-with-conditions"
	[c.requirement | some c in v.evidence_needed] == ["DE.KAT.KEV"]
}
