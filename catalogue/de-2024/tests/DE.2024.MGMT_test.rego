package netvet.tests.de_2024_mgmt

import data.netvet.testing as t

test_named_vendor_management_system_fails if {
	t.status("DE.2024.MGMT", "management:EMS", t.of_vendor("zte", "ZTE")) == "fail"
}

test_other_vendors_are_out_of_scope if {
	t.status("DE.2024.MGMT", "management:EMS", t.of_vendor("nokia", "Nokia")) == "not-applicable"
}

test_core_and_ran_are_out_of_scope if {
	t.status("DE.2024.MGMT", "core:AMF", t.of_vendor("huawei", "Huawei")) == "not-applicable"
	t.status("DE.2024.MGMT", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "not-applicable"
}
