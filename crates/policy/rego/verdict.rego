# Default verdict composition. A catalogue replaces it by defining package netvet.verdict in
# its policy/ directory; `verdict(results)` must return the same shape.
#
#   prohibit               a requirement with consequence "prohibit" fails
#   allow-with-conditions  a "condition" requirement fails or is unknown, or a "prohibit"
#                          requirement is unknown (the evidence must be supplied before use)
#   allow                  otherwise
#
# `results` maps every requirement id to {"status", "reasons": [{"message"}]}. A verdict
# depends on those results and the catalogue alone: netvet composes each distinct set of
# results once and gives the verdict to every product and role with those results, so a
# composition may not read `input`.
#
# Requirement metadata comes from data.netvet.catalogue.requirements: `effective` is the
# requirement's deadline, else the catalogue's effective date; `deadline` is null when the
# requirement has none. (The catalogue is passed down as an argument: regorus' VM reads a
# variable much faster than it re-reads a rule.)
package netvet.verdict

verdict(results) := compose(results, data.netvet.catalogue)

# Which statuses of a requirement with a given consequence make a condition.
conditions_on := {"prohibit": {"unknown"}, "condition": {"unknown", "fail"}, "advisory": set()}

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
		"conditions": sort([condition(id, results[id], reqs) | some id in conditional(results, reqs)]),
		"advisories": advisories(results, reqs),
	}
} else := v if {
	reqs := cat.requirements
	conditional := conditional(results, reqs)
	count(conditional) > 0
	grounds := sort([ground(id, results[id], reqs) | some id in conditional])
	v := {
		"decision": "allow-with-conditions",
		"legal_basis": sort({g.legal_basis | some g in grounds}),
		"grounds": grounds,
		"conditions": sort([condition(id, results[id], reqs) | some id in conditional]),
		"advisories": advisories(results, reqs),
	}
} else := {
	"decision": "allow",
	"legal_basis": sort(cat.legal_basis),
	"grounds": [],
	"conditions": [],
	"advisories": advisories(results, cat.requirements),
}

ground(id, r, reqs) := {
	"requirement": id,
	"status": r.status,
	"legal_basis": reqs[id].legal_basis,
	"effective": reqs[id].effective,
}

# Requirements that make conditions: a "condition" requirement that fails or is unknown, or a
# "prohibit" requirement that is unknown (its evidence must be supplied before use).
conditional(results, reqs) := {id |
	some id, r in results
	r.status in conditions_on[reqs[id].consequence]
}

condition(id, r, reqs) := {"requirement": id, "text": condition_text(reqs[id].title, r), "deadline": reqs[id].deadline}

condition_text(title, r) := sprintf("%s: %s", [title, concat("; ", [m.message | some m in r.reasons])]) if {
	r.status == "fail"
} else := sprintf("evidence needed for %s: %s", [title, concat("; ", [m.message | some m in r.reasons])])

advisories(results, reqs) := sort([id | some id, r in results; r.status == "fail"; reqs[id].consequence == "advisory"])
