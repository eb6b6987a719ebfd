package netvet.tests.se_pts_new

import data.netvet.testing as t

test_huawei_and_zte_fail_under_the_licence if {
	t.status_licensed("SE.PTS.NEW", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "fail"
	t.status_licensed("SE.PTS.NEW", "core:AMF", t.of_vendor("zte", "ZTE")) == "fail"
	t.status_licensed("SE.PTS.NEW", "transport:router", t.of_vendor("huawei", "Huawei")) == "fail"
	t.status_licensed("SE.PTS.NEW", "management:EMS", t.of_vendor("huawei", "Huawei")) == "fail"
}

test_other_vendors_are_not_concerned if {
	t.status_licensed("SE.PTS.NEW", "RAN:gNB", t.of_vendor("ericsson", "Ericsson")) == "not-applicable"
}

# A licence condition binds only what is used under the licence.
test_without_the_licence_the_condition_does_not_apply if {
	t.status("SE.PTS.NEW", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "not-applicable"
}

test_it_binds_from_the_award if {
	data.netvet.catalogue.requirements["SE.PTS.NEW"].deadline == "2021-01-19"
}

# The verdict names the licences whose conditions a product breaches.
test_verdict_names_the_licences if {
	inp := t.of_vendor("huawei", "Huawei")
	some sig in {data.netvet.catalogue.role_signature_licensed["RAN:gNB"]}
	results := data.netvet.assessment.results(data.netvet.catalogue.signatures[sig]) with input as inp
	v := data.netvet.verdict.verdict(results)
	v.decision == "prohibit"
	v.deadline == "2021-01-19"
	some g in v.grounds
	g.requirement == "SE.PTS.NEW"
	g.licences == ["se-pts-2.3ghz-2021", "se-pts-3.5ghz-2021"]
}
