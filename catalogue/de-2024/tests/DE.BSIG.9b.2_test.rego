package netvet.tests.de_bsig_9b_2

import data.netvet.testing as t

third_state := t.fact("O1", "ownership", "SOURCED", {"holder": "state fund", "state": true, "country": "CN", "share_percent": 30})

test_control_by_a_third_country_state_fails if {
	t.status("DE.BSIG.9b.2", "core:AMF", t.with_facts([third_state], [])) == "fail"
}

test_allied_state_minority_share_passes if {
	f := t.fact("O1", "ownership", "SOURCED", {"holder": "state fund", "state": true, "country": "FI", "share_percent": 5})
	t.status("DE.BSIG.9b.2", "core:AMF", t.with_facts([f], [])) == "pass"
}

test_third_country_state_share_below_control_passes if {
	f := t.fact("O1", "ownership", "SOURCED", {"holder": "pension fund", "state": true, "country": "KR", "share_percent": 10})
	t.status("DE.BSIG.9b.2", "core:AMF", t.with_facts([f], [])) == "pass"
}

test_subsidiary_ownership_does_not_count if {
	f := t.fact("O1", "ownership", "SOURCED", {"holder": "state investor", "state": true, "country": "CN", "share_percent": 50, "scope": "subsidiary: joint venture"})
	t.status("DE.BSIG.9b.2", "core:AMF", t.with_facts([f], [])) == "pass"
}

test_security_listing_by_an_allied_state_fails if {
	f := t.fact("L1", "listing", "SOURCED", {"list": "fcc-covered-list", "grounds": "national-security", "country": "US"})
	t.status("DE.BSIG.9b.2", "core:AMF", t.with_facts([f], [])) == "fail"
}

test_human_rights_listing_is_not_a_security_ground if {
	f := t.fact("L1", "listing", "SOURCED", {"list": "entity-list", "grounds": "human-rights", "country": "US"})
	t.status("DE.BSIG.9b.2", "core:AMF", t.with_facts([f], [])) == "pass"
}

test_eu_high_risk_statement_fails if {
	f := t.fact("D1", "declaration", "SOURCED", {"by": "government", "subject": "materially-higher-risk", "country": "EU"})
	t.status("DE.BSIG.9b.2", "core:AMF", t.with_facts([f], [])) == "fail"
}

test_criterion_resting_on_secondary_sources_is_unknown if {
	f := object.union(third_state, {"status": "SOURCED-2"})
	t.status("DE.BSIG.9b.2", "core:AMF", t.with_facts([f], [])) == "unknown"
}

test_unverified_gaps_never_count if {
	f := object.union(third_state, {"status": "UNVERIFIED"})
	t.status("DE.BSIG.9b.2", "core:AMF", t.with_facts([f], [])) == "pass"
}

test_no_dossier_is_unknown if {
	inp := object.union(t.base, {"vendor": null})
	t.status("DE.BSIG.9b.2", "core:AMF", inp) == "unknown"
}

test_reasons_name_the_facts if {
	inp := t.with_facts([third_state], [])
	some r in data.netvet.requirements.de_bsig_9b_2.fail with input as inp
	r.evidence == ["dossier:acme:O1"]
	contains(r.message, "no. 1")
}
