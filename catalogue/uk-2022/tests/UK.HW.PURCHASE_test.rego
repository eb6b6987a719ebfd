package netvet.tests.uk_hw_purchase

import data.netvet.testing as t

test_purchase_ban_is_reported_as_policy_not_a_prohibition if {
	t.status("UK.HW.PURCHASE", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "fail"
	data.netvet.catalogue.requirements["UK.HW.PURCHASE"].consequence == "advisory"
	data.netvet.catalogue.requirements["UK.HW.PURCHASE"].deadline == "2020-12-31"
}

test_other_vendors_are_out_of_scope if {
	t.status("UK.HW.PURCHASE", "RAN:gNB", t.of_vendor("zte", "ZTE")) == "not-applicable"
}
