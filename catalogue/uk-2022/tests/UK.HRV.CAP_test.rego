package netvet.tests.uk_hrv_cap

import data.netvet.testing as t

huawei_with(network) := object.union(t.of_vendor("huawei", "Huawei"), {"network": network})

test_share_above_the_cap_fails if {
	net := {"operators": {"op1": {"domains": {"RAN": {"elements": 40, "total": 100, "share_percent": 40}}}}}
	t.status("UK.HRV.CAP", "RAN:gNB", huawei_with(net)) == "fail"
}

test_share_within_the_cap_passes if {
	net := {"operators": {"op1": {"domains": {"RAN": {"elements": 35, "total": 100, "share_percent": 35}}}}}
	t.status("UK.HRV.CAP", "RAN:gNB", huawei_with(net)) == "pass"
}

test_without_inventory_the_share_is_unknown if {
	t.status("UK.HRV.CAP", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "unknown"
}

test_other_vendors_are_out_of_scope if {
	t.status("UK.HRV.CAP", "RAN:gNB", t.of_vendor("ericsson", "Ericsson")) == "not-applicable"
}
