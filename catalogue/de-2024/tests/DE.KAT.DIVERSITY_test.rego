package netvet.tests.de_kat_diversity

import data.netvet.testing as t

test_monoculture_fails if {
	net := {"operators": {"op1": {"functions": {"AMF": {"elements": 4, "total": 4, "share_percent": 100}}}}}
	t.status("DE.KAT.DIVERSITY", "core:AMF", t.with_network(net)) == "fail"
}

test_shared_function_passes if {
	net := {"operators": {"op1": {"functions": {"AMF": {"elements": 2, "total": 4, "share_percent": 50}}}}}
	t.status("DE.KAT.DIVERSITY", "core:AMF", t.with_network(net)) == "pass"
}

test_single_element_is_not_a_monoculture if {
	net := {"operators": {"op1": {"functions": {"AMF": {"elements": 1, "total": 1, "share_percent": 100}}}}}
	t.status("DE.KAT.DIVERSITY", "core:AMF", t.with_network(net)) == "pass"
}

test_without_inventory_it_is_unknown if {
	t.status("DE.KAT.DIVERSITY", "core:AMF", t.base) == "unknown"
}
