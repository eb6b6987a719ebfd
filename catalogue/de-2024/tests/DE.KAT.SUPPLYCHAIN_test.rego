package netvet.tests.de_kat_supplychain

import data.netvet.testing as t

fw := {"image": "test.bin", "sha256": t.sha, "signed_updates": true}

other := "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

test_shipped_image_is_the_tested_build if {
	c := t.certificate("NESAS-CCS-GI", "1.0", "2027-01-01", [t.sha])
	t.status("DE.KAT.SUPPLYCHAIN", "core:AMF", t.with_product({"firmware": [fw], "certifications": [c]})) == "pass"
}

test_shipped_image_differs_from_the_tested_build if {
	c := t.certificate("NESAS-CCS-GI", "1.0", "2027-01-01", [other])
	t.status("DE.KAT.SUPPLYCHAIN", "core:AMF", t.with_product({"firmware": [fw], "certifications": [c]})) == "fail"
}

test_no_digests_is_unknown if {
	t.status("DE.KAT.SUPPLYCHAIN", "core:AMF", t.with_product({"firmware": [fw]})) == "unknown"
	c := t.certificate("NESAS-CCS-GI", "1.0", "2027-01-01", [t.sha])
	t.status("DE.KAT.SUPPLYCHAIN", "core:AMF", t.with_product({"certifications": [c]})) == "unknown"
}

test_an_image_proved_equivalent_to_the_tested_build_counts if {
	c := t.carried("NESAS-CCS-GI", "0.9", "2027-01-01", other, t.sha, "equivalence", {"verdict": "equivalent"})
	inp := t.with_product({"firmware": [fw], "carried_certifications": [c]})
	t.status("DE.KAT.SUPPLYCHAIN", "core:AMF", inp) == "pass"
	some r in data.netvet.requirements.de_kat_supplychain.pass with input as inp
	contains(r.message, "proved equivalent to the build tested for acme-test-0.9 release 0.9")
	"evidence:compare.json" in r.evidence
}

test_a_comparison_that_is_not_an_equivalence_proof_does_not_count if {
	ne := t.carried("NESAS-CCS-GI", "0.9", "2027-01-01", other, t.sha, "equivalence", {"verdict": "not-equivalent"})
	t.status("DE.KAT.SUPPLYCHAIN", "core:AMF", t.with_product({"firmware": [fw], "carried_certifications": [ne]})) == "unknown"
	d := t.carried("NESAS-CCS-GI", "0.9", "2027-01-01", other, t.sha, "diff", {"summary": {"files_compared": true}})
	t.status("DE.KAT.SUPPLYCHAIN", "core:AMF", t.with_product({"firmware": [fw], "carried_certifications": [d]})) == "unknown"
}

test_a_proof_for_one_image_leaves_another_untested if {
	c := t.carried("NESAS-CCS-GI", "0.9", "2027-01-01", other, t.sha, "equivalence", {"verdict": "equivalent"})
	second := {"image": "second.bin", "sha256": "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"}
	t.status("DE.KAT.SUPPLYCHAIN", "core:AMF", t.with_product({"firmware": [fw, second], "carried_certifications": [c]})) == "fail"
}
