package netvet.tests.uk_tsr_auth

import data.netvet.testing as t

test_unauthenticated_shell_fails if {
	s := t.scan({"services": [t.service("utelnetd", 23, "none")]})
	t.status("UK.TSR.AUTH", "RAN:gNB", t.with_scan(s)) == "fail"
}

test_clean_scan_passes if {
	t.status("UK.TSR.AUTH", "RAN:gNB", t.with_scan(t.clean_scan)) == "pass"
}

test_no_scan_is_unknown if {
	t.status("UK.TSR.AUTH", "RAN:gNB", t.base) == "unknown"
}
