package netvet.tests.uk_tsr_credentials

import data.netvet.testing as t

test_default_credential_fails if {
	s := t.scan({"findings": [t.finding("f1", "nv-account-default-password", "credential", "high")]})
	t.status("UK.TSR.CREDENTIALS", "core:AMF", t.with_scan(s)) == "fail"
}

test_no_scan_is_unknown if {
	t.status("UK.TSR.CREDENTIALS", "core:AMF", t.base) == "unknown"
}
