package netvet.tests.de_kat_cert

import data.netvet.testing as t

valid := t.certificate("NESAS-CCS-GI", "1.0", "2027-01-01", [])

test_valid_certificate_passes_in_critical_roles if {
	t.status("DE.KAT.CERT", "core:AMF", t.with_product({"certifications": [valid]})) == "pass"
}

test_missing_certificate_is_unknown_never_pass if {
	t.status("DE.KAT.CERT", "core:AMF", t.base) == "unknown"
}

test_expired_certificate_fails if {
	expired := t.certificate("NESAS-CCS-GI", "1.0", "2025-01-01", [])
	t.status("DE.KAT.CERT", "core:AMF", t.with_product({"certifications": [expired]})) == "fail"
}

test_certificate_of_another_release_does_not_count if {
	other := t.certificate("NESAS-CCS-GI", "0.9", "2027-01-01", [])
	t.status("DE.KAT.CERT", "core:AMF", t.with_product({"certifications": [other]})) == "unknown"
}

test_scheme_not_accepted_does_not_count if {
	iso := t.certificate("ISO-27001", "1.0", "2027-01-01", [])
	t.status("DE.KAT.CERT", "core:AMF", t.with_product({"certifications": [iso]})) == "unknown"
}

test_not_applicable_outside_critical_roles if {
	t.status("DE.KAT.CERT", "RAN:RU", t.base) == "not-applicable"
}

other := "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

test_a_predecessors_certificate_counts_only_where_the_catalogue_accepts_the_comparison if {
	c := t.carried("NESAS-CCS-GI", "0.9", "2027-01-01", other, t.sha, "equivalence", {"verdict": "equivalent"})
	inp := t.with_product({"carried_certifications": [c]})
	t.status("DE.KAT.CERT", "core:AMF", inp) == "unknown"
	t.status("DE.KAT.CERT", "core:AMF", inp) == "pass" with data.netvet.catalogue.requirements["DE.KAT.CERT"].params.carry_forward as ["equivalence"]
}

test_a_diff_carries_a_certificate_only_within_the_stated_limits if {
	small := t.carried("NESAS-CCS-GI", "0.9", "2027-01-01", other, t.sha, "diff", {"summary": {"files_compared": true, "listeners_added": 0, "accounts_added": 0}})
	big := t.carried("NESAS-CCS-GI", "0.9", "2027-01-01", other, t.sha, "diff", {"summary": {"files_compared": true, "listeners_added": 1, "accounts_added": 0}})
	limits := {"listeners_added": 0, "accounts_added": 0}
	t.status("DE.KAT.CERT", "core:AMF", t.with_product({"carried_certifications": [small]})) == "pass" with data.netvet.catalogue.requirements["DE.KAT.CERT"].params.carry_forward as ["diff"]
		with data.netvet.catalogue.requirements["DE.KAT.CERT"].params.carry_forward_diff as limits
	t.status("DE.KAT.CERT", "core:AMF", t.with_product({"carried_certifications": [big]})) == "unknown" with data.netvet.catalogue.requirements["DE.KAT.CERT"].params.carry_forward as ["diff"]
		with data.netvet.catalogue.requirements["DE.KAT.CERT"].params.carry_forward_diff as limits
}
