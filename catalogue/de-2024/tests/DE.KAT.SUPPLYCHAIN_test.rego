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
