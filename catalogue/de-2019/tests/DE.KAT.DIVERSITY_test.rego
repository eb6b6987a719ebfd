package netvet.tests.de_kat_diversity

import data.netvet.testing as t

test_the_draft_advises_against_monocultures if {
	one := {"operators": {"op": {"functions": {"gNB": {"elements": 30, "total": 30, "share_percent": 100}}}}}
	t.status("DE.KAT.DIVERSITY", "RAN:gNB", t.with_network(one)) == "fail"
	two := {"operators": {"op": {"functions": {"gNB": {"elements": 10, "total": 30, "share_percent": 33}}}}}
	t.status("DE.KAT.DIVERSITY", "RAN:gNB", t.with_network(two)) == "pass"
	data.netvet.catalogue.requirements["DE.KAT.DIVERSITY"].consequence == "advisory"
}
