package netvet.tests.uk_hw_sites

import data.netvet.testing as t

test_designated_vendor_gets_the_sensitive_sites_condition if {
	t.status("UK.HW.SITES", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "fail"
	data.netvet.catalogue.requirements["UK.HW.SITES"].consequence == "condition"
	data.netvet.catalogue.requirements["UK.HW.SITES"].deadline == "2023-01-28"
}

test_zte_has_no_direction if {
	t.status("UK.HW.SITES", "core:AMF", t.of_vendor("zte", "ZTE")) == "not-applicable"
}
