package netvet.tests.de_kat_staff

import data.netvet.testing as t

# Reported for every product in a critical role, whoever made it: a duty of the operator.
test_imposed_in_critical_roles if {
	t.status("DE.KAT.STAFF", "core:AMF", t.base) == "fail"
	t.status("DE.KAT.STAFF", "core:AMF", t.of_vendor("ericsson", "Ericsson")) == "fail"
	data.netvet.catalogue.requirements["DE.KAT.STAFF"].consequence == "advisory"
}

test_not_in_roles_that_are_not_critical if {
	t.status("DE.KAT.STAFF", "transport:optical", t.base) == "not-applicable"
}

# The operator's duty whatever the product: an advisory, so a product can still be allowed.
test_reported_as_an_advisory_not_a_condition if {
	some sig in {data.netvet.catalogue.role_signature["core:AMF"]}
	results := data.netvet.assessment.results(data.netvet.catalogue.signatures[sig]) with input as t.base
	v := data.netvet.verdict.verdict(results)
	"DE.KAT.STAFF" in v.advisories
	every c in v.conditions {
		c.requirement != "DE.KAT.STAFF"
	}
	every n in v.evidence_needed {
		n.requirement != "DE.KAT.STAFF"
	}
}
