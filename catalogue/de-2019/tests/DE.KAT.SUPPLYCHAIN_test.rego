package netvet.tests.de_kat_supplychain

import data.netvet.testing as t

shipped := {"image": "gnb.bin", "sha256": t.sha, "signed_updates": true}

test_the_draft_asks_for_the_proof_as_a_condition if {
	tested := t.certificate("NESAS-CCS-GI", "1.0", "2027-01-01", [t.sha])
	t.status("DE.KAT.SUPPLYCHAIN", "RAN:gNB", t.with_product({"firmware": [shipped], "certifications": [tested]})) == "pass"
	untested := t.certificate("NESAS-CCS-GI", "1.0", "2027-01-01", ["cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"])
	t.status("DE.KAT.SUPPLYCHAIN", "RAN:gNB", t.with_product({"firmware": [shipped], "certifications": [untested]})) == "fail"
	data.netvet.catalogue.requirements["DE.KAT.SUPPLYCHAIN"].consequence == "condition"
	contains(data.netvet.catalogue.requirements["DE.KAT.SUPPLYCHAIN"].legal_basis, "draft of 2019-10-09")
}
