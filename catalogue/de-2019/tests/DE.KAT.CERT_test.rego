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
