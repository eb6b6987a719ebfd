package netvet.tests.de_kat_kev

import data.netvet.testing as t

vuln(id, kev) := {"id": id, "component": "pkg:generic/log4j-core@2.14.1", "severity": "critical", "known_exploited": kev}

test_known_exploited_vulnerability_fails if {
	s := t.scan({"vulnerabilities": [vuln("CVE-2021-44228", true)]})
	t.status("DE.KAT.KEV", "core:UPF", t.with_scan(s)) == "fail"
}

test_vulnerability_not_known_exploited_passes if {
	s := t.scan({"vulnerabilities": [vuln("CVE-2016-2107", false)]})
	t.status("DE.KAT.KEV", "core:UPF", t.with_scan(s)) == "pass"
}

test_no_scan_is_unknown if {
	t.status("DE.KAT.KEV", "core:UPF", t.base) == "unknown"
}

# The draft tests this clause when a critical component is certified: outside critical roles
# it does not apply.
test_not_applicable_outside_critical_roles if {
	s := t.scan({"vulnerabilities": [{"id": "CVE-2021-44228", "component": "pkg:generic/log4j-core@2.14.1", "severity": "critical", "known_exploited": true}]})
	t.status("DE.KAT.KEV", "RAN:RU", t.with_scan(s)) == "not-applicable"
}
