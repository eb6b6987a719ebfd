package netvet.tests.uk_hw_install

import data.netvet.testing as t

test_designated_vendor_gets_the_installation_ban if {
	t.status("UK.HW.INSTALL", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "fail"
}

test_other_vendors_are_out_of_scope if {
	t.status("UK.HW.INSTALL", "RAN:gNB", t.of_vendor("samsung", "Samsung")) == "not-applicable"
}
