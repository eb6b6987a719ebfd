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

# A clean match against the built-in sample advisories is not a pass.
test_clean_match_against_a_sample_is_unknown if {
	s := t.scan({"advisory_index": t.sample_index})
	inp := t.with_scan(s)
	t.status("DE.KAT.KEV", "core:UPF", inp) == "unknown"
	some r in data.netvet.requirements.de_kat_kev.unknown with input as inp
	startswith(r.message, "supply a scan matched against full advisory feeds with CISA KEV")
}

test_scan_without_index_record_is_unknown if {
	s := object.remove(t.clean_scan, ["advisory_index"])
	t.status("DE.KAT.KEV", "core:UPF", t.with_scan(s)) == "unknown"
}

# A known exploited match fails whatever the index covered.
test_exploited_match_fails_even_against_a_sample if {
	s := t.scan({"advisory_index": t.sample_index, "vulnerabilities": [vuln("CVE-2021-44228", true)]})
	t.status("DE.KAT.KEV", "core:UPF", t.with_scan(s)) == "fail"
}
