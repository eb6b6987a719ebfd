package netvet.tests.uk_hrv_exclude

import data.netvet.testing as t

test_high_risk_vendors_fail_in_core_and_management if {
	t.status("UK.HRV.EXCLUDE", "core:AMF", t.of_vendor("zte", "ZTE")) == "fail"
	t.status("UK.HRV.EXCLUDE", "management:EMS", t.of_vendor("huawei", "Huawei")) == "fail"
}

test_access_network_is_not_a_sensitive_function if {
	t.status("UK.HRV.EXCLUDE", "RAN:gNB", t.of_vendor("huawei", "Huawei")) == "not-applicable"
}

test_other_vendors_are_out_of_scope if {
	t.status("UK.HRV.EXCLUDE", "core:AMF", t.of_vendor("nokia", "Nokia")) == "not-applicable"
}

# For ZTE there is NCSC advice only: reported, never a prohibition.
test_zte_in_the_core_is_advised_against_not_prohibited if {
	inp := t.of_vendor("zte", "ZTE")
	some sig in {data.netvet.catalogue.role_signature["core:AMF"]}
	results := data.netvet.assessment.results(data.netvet.catalogue.signatures[sig]) with input as inp
	v := data.netvet.verdict.verdict(results)
	v.decision != "prohibit"
	"UK.HRV.EXCLUDE" in v.advisories
}
