# de-2024 overrides DE.KAT.CERT's metadata (deadline 2026-01-01, §165(4) TKG); the rule is
# de-2019's.
package netvet.tests.de_kat_cert_2024

import data.netvet.testing as t

test_certificate_requirement_carries_the_2026_deadline if {
	data.netvet.catalogue.requirements["DE.KAT.CERT"].deadline == "2026-01-01"
}

test_bsz_certificate_passes if {
	c := t.certificate("BSZ", "1.0", "2027-01-01", [])
	t.status("DE.KAT.CERT", "management:EMS", t.with_product({"certifications": [c]})) == "pass"
}

test_missing_certificate_is_unknown if {
	t.status("DE.KAT.CERT", "management:EMS", t.base) == "unknown"
}
