package netvet.tests.de_bsig_9b_3

import data.netvet.testing as t

declaration := t.fact("G1", "declaration", "SOURCED", {"by": "vendor", "subject": "guarantee-9b"})

refusal := t.fact("G2", "declaration", "SOURCED", {"by": "vendor", "subject": "government-requests"})

obligation := t.fact("X1", "law", "SOURCED", {"compels_assistance": true, "secrecy": true})

test_declaration_without_obliging_law_passes if {
	t.status("DE.BSIG.9b.3", "RAN:gNB", t.with_facts([declaration], [])) == "pass"
}

test_declaration_does_not_cancel_an_obligation_of_home_law if {
	inp := t.with_facts([declaration, refusal], [obligation])
	t.status("DE.BSIG.9b.3", "RAN:gNB", inp) == "fail"
	some r in data.netvet.requirements.de_bsig_9b_3.fail with input as inp
	contains(r.message, "does not cancel a statutory obligation")
	{"dossier:acme:G1", "dossier:acme:G2", "dossier:acme:X1"} == {e | some e in r.evidence}
}

test_obligation_on_secondary_sources_only_is_unknown if {
	weak := object.union(obligation, {"status": "SOURCED-2"})
	t.status("DE.BSIG.9b.3", "RAN:gNB", t.with_facts([declaration], [weak])) == "unknown"
}

test_no_declaration_is_unknown_and_names_the_obligation if {
	inp := t.with_facts([], [obligation])
	t.status("DE.BSIG.9b.3", "RAN:gNB", inp) == "unknown"
	some r in data.netvet.requirements.de_bsig_9b_3.unknown with input as inp
	contains(r.message, "would not cancel")
}

test_not_applicable_outside_critical_roles if {
	t.status("DE.BSIG.9b.3", "RAN:RU", t.with_facts([declaration], [obligation])) == "not-applicable"
}
