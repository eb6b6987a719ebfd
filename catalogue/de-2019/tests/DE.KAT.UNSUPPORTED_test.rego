package netvet.tests.de_kat_unsupported

import data.netvet.testing as t

test_component_marked_unsupported_fails if {
	s := t.scan({"components": [{"name": "openssl", "version": "1.0.2k", "unsupported": true}]})
	t.status("DE.KAT.UNSUPPORTED", "RAN:gNB", t.with_scan(s)) == "fail"
}

test_end_of_support_before_the_assessment_date_fails if {
	s := t.scan({"components": [{"name": "openssl", "version": "3.0.13", "unsupported": false, "end_of_support": "2025-01-01"}]})
	t.status("DE.KAT.UNSUPPORTED", "RAN:gNB", t.with_scan(s)) == "fail"
}

test_supported_components_pass if {
	s := t.scan({"components": [{"name": "openssl", "version": "3.0.13", "unsupported": false, "end_of_support": "2026-09-07"}]})
	t.status("DE.KAT.UNSUPPORTED", "RAN:gNB", t.with_scan(s)) == "pass"
}

test_no_scan_is_unknown if {
	t.status("DE.KAT.UNSUPPORTED", "RAN:gNB", t.base) == "unknown"
}

# The draft tests this clause when a critical component is certified: outside critical roles
# it does not apply.
test_not_applicable_outside_critical_roles if {
	s := t.scan({"components": [{"name": "openssl", "version": "1.0.2k", "unsupported": true}]})
	t.status("DE.KAT.UNSUPPORTED", "RAN:RU", t.with_scan(s)) == "not-applicable"
}
