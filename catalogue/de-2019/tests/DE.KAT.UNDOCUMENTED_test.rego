package netvet.tests.de_kat_undocumented

import data.netvet.testing as t

ssh := {"name": "sshd", "ports": [{"number": 22, "protocol": "tcp"}], "purpose": "OAM", "authentication": "key"}

test_undeclared_service_fails if {
	s := t.scan({"services": [t.service("telnetd", 2323, "none")]})
	t.status("DE.KAT.UNDOCUMENTED", "RAN:gNB", t.with_product_scan({"services": [ssh]}, s)) == "fail"
}

test_declared_service_passes_by_name if {
	s := t.scan({"services": [t.service("sshd", 2222, "key")]})
	t.status("DE.KAT.UNDOCUMENTED", "RAN:gNB", t.with_product_scan({"services": [ssh]}, s)) == "pass"
}

test_declared_port_passes_under_another_name if {
	s := t.scan({"services": [t.service("dropbear", 22, "key")]})
	t.status("DE.KAT.UNDOCUMENTED", "RAN:gNB", t.with_product_scan({"services": [ssh]}, s)) == "pass"
}

test_back_door_finding_fails if {
	s := t.scan({"findings": [t.finding("f1", "nv-backdoor-signature", "backdoor", "critical")]})
	t.status("DE.KAT.UNDOCUMENTED", "RAN:gNB", t.with_scan(s)) == "fail"
}

test_no_scan_is_unknown if {
	t.status("DE.KAT.UNDOCUMENTED", "RAN:gNB", t.base) == "unknown"
}

# The draft tests this clause when a critical component is certified: outside critical roles
# it does not apply.
test_not_applicable_outside_critical_roles if {
	s := t.scan({"services": [t.service("telnetd", 2323, "none")]})
	t.status("DE.KAT.UNDOCUMENTED", "RAN:RU", t.with_scan(s)) == "not-applicable"
}
