package netvet.tests.se_pts_localise

import data.netvet.testing as t

# Reported for every product in a central function under the licence, whoever made it.
test_imposed_on_every_vendor if {
	t.status_licensed("SE.PTS.LOCALISE", "RAN:gNB", t.of_vendor("ericsson", "Ericsson")) == "fail"
	t.status_licensed("SE.PTS.LOCALISE", "core:AMF", t.base) == "fail"
}

test_without_the_licence_the_condition_does_not_apply if {
	t.status("SE.PTS.LOCALISE", "RAN:gNB", t.base) == "not-applicable"
}

test_a_vendor_abroad_is_named if {
	some r in data.netvet.requirements.se_pts_localise.fail with input as t.base
	contains(r.message, "is based in Atlantis (fictional)")
}

test_a_swedish_vendor_is_not_called_abroad if {
	inp := object.union(t.base, {"jurisdiction": {"code": "SE", "name": "Sweden"}})
	some r in data.netvet.requirements.se_pts_localise.fail with input as inp
	not contains(r.message, "is based in")
}

# The licensee's duty whatever the product: an advisory, so a product of a vendor the
# conditions do not name is allowed.
test_an_advisory_so_other_vendors_are_allowed if {
	inp := t.of_vendor("ericsson", "Ericsson")
	some sig in {data.netvet.catalogue.role_signature_licensed["RAN:gNB"]}
	results := data.netvet.assessment.results(data.netvet.catalogue.signatures[sig]) with input as inp
	v := data.netvet.verdict.verdict(results)
	v.decision == "allow"
	v.advisories == ["SE.PTS.LOCALISE"]
	data.netvet.catalogue.requirements["SE.PTS.LOCALISE"].deadline == "2025-01-01"
}
