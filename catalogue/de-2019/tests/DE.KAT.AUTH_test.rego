package netvet.tests.de_kat_auth

import data.netvet.testing as t

test_unauthenticated_root_shell_fails if {
	s := t.scan({"services": [t.service("telnetd", 2323, "none")]})
	t.status("DE.KAT.AUTH", "core:AMF", t.with_scan(s)) == "fail"
}

test_authenticated_shell_passes if {
	s := t.scan({"services": [t.service("sshd", 22, "key")]})
	t.status("DE.KAT.AUTH", "core:AMF", t.with_scan(s)) == "pass"
}

test_unauthenticated_protocol_service_is_not_a_shell if {
	s := t.scan({"services": [t.service("gtp-u", 2152, "none")]})
	t.status("DE.KAT.AUTH", "core:UPF", t.with_scan(s)) == "pass"
}

test_back_door_fails if {
	s := t.scan({"findings": [t.finding("f1", "nv-backdoor-signature", "backdoor", "high")]})
	t.status("DE.KAT.AUTH", "core:AMF", t.with_scan(s)) == "fail"
}

test_no_scan_is_unknown if {
	t.status("DE.KAT.AUTH", "core:AMF", t.base) == "unknown"
}

# The draft tests this clause when a critical component is certified: outside critical roles
# it does not apply.
test_not_applicable_outside_critical_roles if {
	s := t.scan({"services": [t.service("telnetd", 2323, "none")]})
	t.status("DE.KAT.AUTH", "RAN:RU", t.with_scan(s)) == "not-applicable"
}
