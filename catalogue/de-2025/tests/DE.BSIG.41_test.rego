package netvet.tests.de_bsig_41

import data.netvet.testing as t

order := t.fact("O1", "national-restriction", "SOURCED", {"list": "de-bsig-41", "country": "DE", "authority": "BMI"})

home_law := t.fact("X1", "law", "SOURCED", {"compels_assistance": true, "binds": "all-organisations"})

test_recorded_order_prohibits if {
	inp := t.with_facts([order], [])
	t.status("DE.BSIG.41", "core:AMF", inp) == "fail"
	data.netvet.catalogue.requirements["DE.BSIG.41"].consequence == "prohibit"
}

# Home law is no ground under §41: without a ministry decision the requirement passes.
test_home_law_alone_is_no_ground if {
	t.status("DE.BSIG.41", "core:AMF", t.with_facts([], [home_law])) == "pass"
}

test_order_on_secondary_sources_is_unknown if {
	weak := object.union(order, {"status": "SOURCED-2"})
	t.status("DE.BSIG.41", "core:AMF", t.with_facts([weak], [])) == "unknown"
}

test_without_dossier_is_unknown if {
	inp := object.remove(t.base, ["vendor"])
	t.status("DE.BSIG.41", "core:AMF", inp) == "unknown"
}

test_not_applicable_outside_critical_roles if {
	t.status("DE.BSIG.41", "RAN:RU", t.with_facts([order], [])) == "not-applicable"
}

test_section_9b_requirements_are_gone if {
	not data.netvet.catalogue.requirements["DE.BSIG.9b.2"]
	not data.netvet.catalogue.requirements["DE.BSIG.9b.3"]
}
