package netvet.tests.de_kat_signed_updates

import data.netvet.testing as t

fw(signed) := {"image": "test.bin", "sha256": t.sha, "signed_updates": signed}

test_declared_and_scanned_passes if {
	t.status("DE.KAT.SIGNED_UPDATES", "RAN:gNB", t.with_product_scan({"firmware": [fw(true)]}, t.clean_scan)) == "pass"
}

test_declared_unsigned_fails if {
	t.status("DE.KAT.SIGNED_UPDATES", "RAN:gNB", t.with_product_scan({"firmware": [fw(false)]}, t.clean_scan)) == "fail"
}

test_unsigned_update_path_fails_despite_the_declaration if {
	s := t.scan({"findings": [t.finding("f1", "nv-update-unverified-flash", "integrity", "high")]})
	t.status("DE.KAT.SIGNED_UPDATES", "RAN:gNB", t.with_product_scan({"firmware": [fw(true)]}, s)) == "fail"
}

# An SBOM that disagrees with the image is an integrity finding, but not about updates.
test_sbom_disagreement_does_not_decide_signed_updates if {
	s := t.scan({"findings": [t.finding("f1", "nv-sbom-version-differs", "integrity", "high")]})
	t.status("DE.KAT.SIGNED_UPDATES", "RAN:gNB", t.with_product_scan({"firmware": [fw(true)]}, s)) == "pass"
}

test_declaration_without_scan_is_unknown if {
	t.status("DE.KAT.SIGNED_UPDATES", "RAN:gNB", t.with_product({"firmware": [fw(true)]})) == "unknown"
}

test_scan_without_declaration_is_unknown if {
	t.status("DE.KAT.SIGNED_UPDATES", "RAN:gNB", t.with_scan(t.clean_scan)) == "unknown"
}

# The draft tests this clause when a critical component is certified: outside critical roles
# it does not apply.
test_not_applicable_outside_critical_roles if {
	fw := {"image": "test.bin", "sha256": t.sha, "signed_updates": false}
	t.status("DE.KAT.SIGNED_UPDATES", "RAN:RU", t.with_product_scan({"firmware": [fw]}, t.clean_scan)) == "not-applicable"
}
