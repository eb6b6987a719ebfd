package netvet.tests.de_kat_credentials

import data.netvet.testing as t

test_hard_coded_password_fails if {
	s := t.scan({"findings": [t.finding("f1", "nv-account-default-password", "credential", "critical")]})
	t.status("DE.KAT.CREDENTIALS", "RAN:gNB", t.with_scan(s)) == "fail"
}

test_low_severity_credential_finding_does_not_fail if {
	s := t.scan({"findings": [t.finding("f1", "nv-account-weak-hash", "credential", "low")]})
	t.status("DE.KAT.CREDENTIALS", "RAN:gNB", t.with_scan(s)) == "pass"
}

test_clean_scan_passes if {
	t.status("DE.KAT.CREDENTIALS", "RAN:gNB", t.with_scan(t.clean_scan)) == "pass"
}

test_no_scan_is_unknown if {
	t.status("DE.KAT.CREDENTIALS", "RAN:gNB", t.base) == "unknown"
}

# The draft tests this clause when a critical component is certified: outside critical roles
# it does not apply.
test_not_applicable_outside_critical_roles if {
	s := t.scan({"findings": [t.finding("f1", "nv-account-default-password", "credential", "critical")]})
	t.status("DE.KAT.CREDENTIALS", "RAN:RU", t.with_scan(s)) == "not-applicable"
}
