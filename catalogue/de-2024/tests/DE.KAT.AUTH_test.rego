# de-2024 overrides DE.KAT.AUTH's metadata: a test case of the statutory certification of
# critical components (§165(4) TKG 2021) instead of the 2019 draft; the rule is de-2019's.
package netvet.tests.de_kat_auth_2024

import data.netvet.testing as t

test_cites_the_certification_duty_not_the_repealed_section_109 if {
	basis := data.netvet.catalogue.requirements["DE.KAT.AUTH"].legal_basis
	startswith(basis, "§165(4) TKG (2021)")
	not contains(basis, "§109")
}

test_bites_from_the_certification_duty if {
	data.netvet.catalogue.requirements["DE.KAT.AUTH"].deadline == "2026-01-01"
}

test_fails_in_a_critical_role if {
	s := t.scan({"services": [t.service("telnetd", 2323, "none")]})
	t.status("DE.KAT.AUTH", "core:AMF", t.with_scan(s)) == "fail"
}

test_not_applicable_outside_critical_roles if {
	s := t.scan({"services": [t.service("telnetd", 2323, "none")]})
	t.status("DE.KAT.AUTH", "RAN:RU", t.with_scan(s)) == "not-applicable"
}

# A back door in a critical role prohibits from the date the certification duty applies.
test_back_door_prohibits_from_2026 if {
	s := t.scan({"services": [t.service("telnetd", 2323, "none")]})
	some sig in {data.netvet.catalogue.role_signature["core:AMF"]}
	results := data.netvet.assessment.results(data.netvet.catalogue.signatures[sig]) with input as t.with_scan(s)
	v := data.netvet.verdict.verdict(results)
	v.decision == "prohibit"
	some g in v.grounds
	g.requirement == "DE.KAT.AUTH"
	g.effective == "2026-01-01"
}
