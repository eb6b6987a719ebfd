package netvet.tests.de_kat_trust

import data.netvet.testing as t

declared := t.with_facts([t.fact("T1", "declaration", "SOURCED", {"by": "vendor", "subject": "trustworthiness"})], [])

test_declaration_on_record_passes if {
	t.status("DE.KAT.TRUST", "core:AMF", declared) == "pass"
}

test_no_declaration_is_evidence_to_supply if {
	t.status("DE.KAT.TRUST", "core:AMF", t.base) == "unknown"
	data.netvet.catalogue.requirements["DE.KAT.TRUST"].consequence == "condition"
}

test_other_declarations_and_unsourced_ones_do_not_count if {
	guarantee := t.with_facts([t.fact("G1", "declaration", "SOURCED", {"by": "vendor", "subject": "guarantee-9b"})], [])
	t.status("DE.KAT.TRUST", "core:AMF", guarantee) == "unknown"
	gap := t.with_facts([t.fact("T2", "declaration", "UNVERIFIED", {"by": "vendor", "subject": "trustworthiness"})], [])
	t.status("DE.KAT.TRUST", "core:AMF", gap) == "unknown"
}
