package netvet.tests.uk_tsr_kev

import data.netvet.testing as t

test_known_exploited_fails if {
	s := t.scan({"vulnerabilities": [{"id": "CVE-2021-44228", "component": "log4j", "severity": "critical", "known_exploited": true}]})
	t.status("UK.TSR.KEV", "core:AMF", t.with_scan(s)) == "fail"
}

test_clean_scan_passes if {
	t.status("UK.TSR.KEV", "core:AMF", t.with_scan(t.clean_scan)) == "pass"
}

test_clean_match_against_a_sample_is_unknown if {
	s := t.scan({"advisory_index": t.sample_index})
	t.status("UK.TSR.KEV", "core:AMF", t.with_scan(s)) == "unknown"
}
