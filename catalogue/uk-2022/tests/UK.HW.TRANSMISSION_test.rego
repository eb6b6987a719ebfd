package netvet.tests.uk_hw_transmission

import data.netvet.testing as t

test_designated_vendor_transport_gets_the_condition if {
	t.status("UK.HW.TRANSMISSION", "transport:router", t.of_vendor("huawei", "Huawei")) == "fail"
	data.netvet.catalogue.requirements["UK.HW.TRANSMISSION"].consequence == "condition"
	data.netvet.catalogue.requirements["UK.HW.TRANSMISSION"].deadline == "2025-12-31"
}

test_other_vendors_are_not_reached if {
	t.status("UK.HW.TRANSMISSION", "transport:optical", t.of_vendor("zte", "ZTE")) == "not-applicable"
}

test_radio_is_out_of_scope if {
	t.status("UK.HW.TRANSMISSION", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "not-applicable"
}
