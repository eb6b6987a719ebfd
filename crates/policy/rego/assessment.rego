# Drives the evaluation: decides each requirement's status once per product from the sets its
# rule defines, applies each requirement's scope per role, and asks the verdict policy for the
# verdict of each role. Package netvet.assessment is reserved; catalogues change composition in
# package netvet.verdict.
package netvet.assessment

requirements := data.netvet.catalogue.requirements

outside := {"status": "not-applicable", "reasons": [{"message": "outside the requirement's scope", "evidence": []}]}

# Status and reasons of each requirement from the sets its rule defined. They do not depend on
# the role, so they are computed once per product. A requirement passes only when its rule gave
# a reason to pass and none to fail or doubt: missing evidence is never a pass.
decided := {id: decide(doc) |
	some id, req in requirements
	doc := data.netvet.requirements[req.package]
}

decide(doc) := {"status": "not-applicable", "reasons": sort(doc.not_applicable)} if {
	count(doc.not_applicable) > 0
} else := {"status": "fail", "reasons": sort(doc.fail)} if {
	count(doc.fail) > 0
} else := {"status": "unknown", "reasons": sort(doc.unknown)} if {
	count(doc.unknown) > 0
} else := {"status": "pass", "reasons": sort(doc.pass)} if {
	count(doc.pass) > 0
} else := {"status": "unknown", "reasons": [{"message": "the rule found no evidence either way", "evidence": []}]}

all_outside := {id: outside | some id, _ in requirements}

# Every requirement's result when the requirements in `ids` apply.
results(ids) := object.union(all_outside, object.filter(decided, ids))

# Where requirements apply: netvet compiles each requirement's scope (domains, functions,
# criticality) into the roles it covers when it loads the catalogue, and groups roles by the
# set of requirements that apply in them (a "signature"). Roles with the same signature get the
# same results and verdict, so verdicts are composed once per signature.
signatures := data.netvet.catalogue.signatures

role_signature := data.netvet.catalogue.role_signature

verdicts := {sig: data.netvet.verdict.verdict(results(signatures[sig])) |
	some sig in {role_signature[role.key] | some role in input.roles}
}

evaluation := {"decided": decided, "outside": outside, "verdicts": verdicts}

# For tests: the status of a requirement in a role given as `domain:function`.
status(id, key) := results(signatures[role_signature[key]])[id].status
