package netvet.tests.de_bsig_9b_3

import data.netvet.testing as t

declaration := t.fact("G1", "declaration", "SOURCED", {"by": "vendor", "subject": "guarantee-9b"})

obligation := t.fact("X1", "law", "SOURCED", {"compels_assistance": true, "binds": "all-organisations", "secrecy": true})

provider_duty := t.fact("X2", "law", "SOURCED", {"compels_assistance": true, "binds": "service-providers"})

test_declaration_passes if {
	t.status("DE.BSIG.9b.3", "RAN:gNB", t.with_facts([declaration], [])) == "pass"
}

# §9b(3) is a duty to declare: a home law that compels assistance is a risk indicator for the
# ministry (§9b(4), (5)), not a failure of the declaration.
test_home_law_is_a_risk_indicator_not_a_failure if {
	inp := t.with_facts([declaration], [obligation])
	t.status("DE.BSIG.9b.3", "RAN:gNB", inp) == "pass"
	some r in data.netvet.requirements.de_bsig_9b_3.pass with input as inp
	contains(r.message, "Risk indicators for a ministry finding under §9b(4) and (5)")
	{"dossier:acme:G1", "dossier:acme:X1"} == {e | some e in r.evidence}
}

# Duties that bind only service providers or network operators do not reach a manufacturer.
test_duties_of_service_providers_are_not_indicators if {
	inp := t.with_facts([declaration], [provider_duty])
	some r in data.netvet.requirements.de_bsig_9b_3.pass with input as inp
	not contains(r.message, "Risk indicators")
}

test_no_declaration_is_unknown_and_asks_for_it if {
	inp := t.with_facts([], [obligation])
	t.status("DE.BSIG.9b.3", "RAN:gNB", inp) == "unknown"
	some r in data.netvet.requirements.de_bsig_9b_3.unknown with input as inp
	startswith(r.message, "supply the guarantee declaration")
}

test_declaration_on_secondary_sources_is_unknown if {
	weak := object.union(declaration, {"status": "SOURCED-2"})
	t.status("DE.BSIG.9b.3", "RAN:gNB", t.with_facts([weak], [])) == "unknown"
}

test_not_applicable_outside_critical_roles if {
	t.status("DE.BSIG.9b.3", "RAN:RU", t.with_facts([declaration], [obligation])) == "not-applicable"
}
