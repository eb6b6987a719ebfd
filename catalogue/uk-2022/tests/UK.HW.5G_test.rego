package netvet.tests.uk_hw_5g

import data.netvet.testing as t

test_designated_vendor_fails_in_the_5g_access_network if {
	t.status("UK.HW.5G", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "fail"
}

test_transport_optical_is_out_of_scope if {
	t.status("UK.HW.5G", "transport:optical", t.of_vendor("huawei", "Huawei")) == "not-applicable"
}

test_removal_deadline_is_end_2027 if {
	data.netvet.catalogue.requirements["UK.HW.5G"].effective == "2027-12-31"
}
