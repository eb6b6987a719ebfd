# Default verdict composition. A catalogue replaces it by defining this package in its
# policy/ directory; `verdict(results)` must return the same shape.
#
#   prohibit               a requirement with consequence "prohibit" fails
#   allow-with-conditions  a "condition" requirement fails (a condition the law imposes: what
#                          to do), or a "prohibit" or "condition" requirement is unknown (evidence
#                          missing: what to supply before use)
#   allow                  otherwise: every requirement that can bar or condition use passed or
#                          does not apply
#
# The verdict keeps the two apart: `conditions` lists the conditions imposed, `evidence_needed`
# the evidence to supply.
#
# `results` maps every requirement id to {"status", "reasons": [{"message"}]}. A verdict
# depends on those results and the catalogue alone: netvet composes each distinct set of
# results once and gives the verdict to every product and role with those results, so a
# composition may not read `input`.
#
# Requirement metadata comes from data.netvet.catalogue.requirements: `effective` is the
# requirement's deadline, else the catalogue's effective date; `deadline` is null when the
# requirement has none; `licences` the licences whose conditions it is (empty for most). (The catalogue is passed down as an argument: regorus' VM reads a
# variable much faster than it re-reads a rule.)
package netvet.verdict

verdict(results) := compose(results, data.netvet.catalogue)

compose(results, cat) := v if {
	reqs := cat.requirements
	prohibit := {id | some id, r in results; r.status == "fail"; reqs[id].consequence == "prohibit"}
	count(prohibit) > 0
	grounds := sort([ground(id, results[id], reqs) | some id in prohibit])
	v := {
		"decision": "prohibit",
		"deadline": min({g.effective | some g in grounds}),
		"legal_basis": sort({g.legal_basis | some g in grounds}),
		"grounds": grounds,
		"conditions": imposed(results, reqs),
		"evidence_needed": needed(results, reqs),
		"advisories": advisories(results, reqs),
	}
} else := v if {
	reqs := cat.requirements
	conditional := {id | some id, r in results; r.status in conditions_on[reqs[id].consequence]}
	count(conditional) > 0
	grounds := sort([ground(id, results[id], reqs) | some id in conditional])
	v := {
		"decision": "allow-with-conditions",
		"legal_basis": sort({g.legal_basis | some g in grounds}),
		"grounds": grounds,
		"conditions": imposed(results, reqs),
		"evidence_needed": needed(results, reqs),
		"advisories": advisories(results, reqs),
	}
} else := {
	"decision": "allow",
	"legal_basis": sort(cat.legal_basis),
	"grounds": [],
	"conditions": [],
	"evidence_needed": [],
	"advisories": advisories(results, cat.requirements),
}

# Which statuses of a requirement with a given consequence keep a verdict from `allow`.
conditions_on := {"prohibit": {"unknown"}, "condition": {"unknown", "fail"}, "advisory": set()}

# A requirement scoped to licences names them: failing it breaches their conditions.
ground(id, r, reqs) := {
	"requirement": id,
	"status": r.status,
	"legal_basis": reqs[id].legal_basis,
	"effective": reqs[id].effective,
	"licences": reqs[id].licences,
}

messages(r) := concat("; ", [m.message | some m in r.reasons])

# Conditions the law imposes: a failed "condition" requirement (what to do).
imposed(results, reqs) := sort([{"requirement": id, "text": sprintf("%s: %s", [reqs[id].title, messages(r)]), "deadline": reqs[id].deadline} |
	some id, r in results
	r.status == "fail"
	reqs[id].consequence == "condition"
])

# Evidence to supply: an unknown "prohibit" or "condition" requirement (what to supply).
needed(results, reqs) := sort([{"requirement": id, "text": sprintf("evidence needed for %s: %s", [reqs[id].title, messages(r)]), "deadline": reqs[id].deadline} |
	some id, r in results
	r.status == "unknown"
	reqs[id].consequence in {"prohibit", "condition"}
])

advisories(results, reqs) := sort([id | some id, r in results; r.status == "fail"; reqs[id].consequence == "advisory"])
