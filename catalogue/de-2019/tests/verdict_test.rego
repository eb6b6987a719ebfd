# The default verdict composition under this catalogue.
package netvet.tests.de_2019_verdict

import data.netvet.testing as t

verdict(key, inp) := v if {
	some s in {data.netvet.catalogue.role_signature[key]}
	results := data.netvet.assessment.results(data.netvet.catalogue.signatures[s]) with input as inp
	v := data.netvet.verdict.verdict(results) with input as inp
}

test_back_door_gives_prohibit if {
	s := t.scan({"services": [t.service("telnetd", 2323, "none")]})
	verdict("core:AMF", t.with_scan(s)).decision == "prohibit"
}

test_missing_evidence_gives_conditions_not_allow if {
	v := verdict("core:AMF", t.base)
	v.decision == "allow-with-conditions"
	count(v.conditions) > 0
}
