# de-2024 overrides DE.KAT.SIGNED_UPDATES's metadata: a test case of the statutory certification of
# critical components (§165(4) TKG 2021) instead of the 2019 draft; the rule is de-2019's.
package netvet.tests.de_kat_signed_updates_2024

import data.netvet.testing as t

test_cites_the_certification_duty_not_the_repealed_section_109 if {
	basis := data.netvet.catalogue.requirements["DE.KAT.SIGNED_UPDATES"].legal_basis
	startswith(basis, "§165(4) TKG (2021)")
	not contains(basis, "§109")
}

test_bites_from_the_certification_duty if {
	data.netvet.catalogue.requirements["DE.KAT.SIGNED_UPDATES"].deadline == "2026-01-01"
}

test_fails_in_a_critical_role if {
	fw := {"image": "test.bin", "sha256": t.sha, "signed_updates": false}
	t.status("DE.KAT.SIGNED_UPDATES", "RAN:gNB", t.with_product_scan({"firmware": [fw]}, t.clean_scan)) == "fail"
}

test_not_applicable_outside_critical_roles if {
	fw := {"image": "test.bin", "sha256": t.sha, "signed_updates": false}
	t.status("DE.KAT.SIGNED_UPDATES", "RAN:RU", t.with_product_scan({"firmware": [fw]}, t.clean_scan)) == "not-applicable"
}
