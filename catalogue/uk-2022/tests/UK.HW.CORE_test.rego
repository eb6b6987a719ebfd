package netvet.tests.uk_hw_core

import data.netvet.testing as t

test_designated_vendor_fails_in_core if {
	t.status("UK.HW.CORE", "core:UPF", t.of_vendor("huawei", "Huawei")) == "fail"
}

test_zte_is_not_designated if {
	t.status("UK.HW.CORE", "core:UPF", t.of_vendor("zte", "ZTE")) == "not-applicable"
}

test_core_deadline if {
	data.netvet.catalogue.requirements["UK.HW.CORE"].deadline == "2023-12-31"
}
