package netvet.tests.uk_hw_install

import data.netvet.testing as t

test_designated_vendor_gets_the_installation_ban if {
	t.status("UK.HW.INSTALL", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "fail"
}

test_other_vendors_are_out_of_scope if {
	t.status("UK.HW.INSTALL", "RAN:gNB", t.of_vendor("samsung", "Samsung")) == "not-applicable"
}

# The ban on new installations is a prohibition (from 2021-09-30), not a condition.
test_new_installation_is_prohibited if {
	inp := t.of_vendor("huawei", "Huawei")
	some sig in {data.netvet.catalogue.role_signature["RAN:gNB"]}
	results := data.netvet.assessment.results(data.netvet.catalogue.signatures[sig]) with input as inp
	v := data.netvet.verdict.verdict(results)
	v.decision == "prohibit"
	some g in v.grounds
	g.requirement == "UK.HW.INSTALL"
	g.effective == "2021-09-30"
}
