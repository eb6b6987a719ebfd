package netvet.tests.se_pts_phaseout

import data.netvet.testing as t

test_huawei_and_zte_must_leave_existing_central_functions if {
	t.status_licensed("SE.PTS.PHASEOUT", "core:UPF", t.of_vendor("huawei", "Huawei")) == "fail"
	t.status_licensed("SE.PTS.PHASEOUT", "RAN:RU", t.of_vendor("zte", "ZTE")) == "fail"
}

test_other_vendors_are_not_concerned if {
	t.status_licensed("SE.PTS.PHASEOUT", "core:UPF", t.of_vendor("nokia", "Nokia")) == "not-applicable"
}

test_without_the_licence_the_condition_does_not_apply if {
	t.status("SE.PTS.PHASEOUT", "core:UPF", t.of_vendor("huawei", "Huawei")) == "not-applicable"
}

test_phase_out_deadline if {
	data.netvet.catalogue.requirements["SE.PTS.PHASEOUT"].deadline == "2025-01-01"
}
