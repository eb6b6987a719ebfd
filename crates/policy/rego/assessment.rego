# Drives the evaluation: decides each requirement's status from the sets its rule defines,
# applies each requirement's scope per role, and asks the verdict policy for the verdict of each
# role. Package netvet.assessment is reserved; catalogues change composition in package
# netvet.verdict.
#
# netvet evaluates in three steps, each an entry point of this package:
#   vendor_decided   once per vendor: the requirements whose rules read only the vendor's side
#                    of the input (data.netvet.catalogue.per_vendor, found when the catalogue
#                    loads by following every rule and function the rules use);
#   group_decided    every other requirement, in groups of those that read the same parts of
#                    the input: once per product, or once for all products alike in those
#                    parts when the group's rules use the product's id only through
#                    data.netvet.lib.product_ref (product_decided: all of them at once, for
#                    the interpreter);
#   verdict          once per distinct set of results: input.decided holds the status and
#                    reason messages of each requirement that applies (where a product is
#                    used: its role and the licences it is used under); the others are
#                    outside their scope.
package netvet.assessment

requirements := data.netvet.catalogue.requirements

outside := {"status": "not-applicable", "reasons": [{"message": "outside the requirement's scope", "evidence": []}]}

# Status and reasons of a requirement from the sets its rule defined. A requirement passes only
# when its rule gave a reason to pass and none to fail or doubt: missing evidence is never a
# pass.
decide(doc) := {"status": "not-applicable", "reasons": sort(doc.not_applicable)} if {
	count(doc.not_applicable) > 0
} else := {"status": "fail", "reasons": sort(doc.fail)} if {
	count(doc.fail) > 0
} else := {"status": "unknown", "reasons": sort(doc.unknown)} if {
	count(doc.unknown) > 0
} else := {"status": "pass", "reasons": sort(doc.pass)} if {
	count(doc.pass) > 0
} else := {"status": "unknown", "reasons": [{"message": "the rule found no evidence either way", "evidence": []}]}

result(id) := decide(data.netvet.requirements[requirements[id].package])

per_vendor := {id | some id in data.netvet.catalogue.per_vendor}

vendor_decided := {id: result(id) | some id in per_vendor}

product_decided := {id: result(id) |
	some id, _ in requirements
	not id in per_vendor
}

# Groups of the requirements decided per product, named by input.netvet_groups
# (data.netvet.catalogue.product_groups: netvet groups those that read the same parts of the
# input, and decides a group once for the products alike in those parts when its rules use the
# product's id only through data.netvet.lib.product_ref).
group_decided := {id: result(id) |
	some g in input.netvet_groups
	some id in data.netvet.catalogue.product_groups[g]
}

# Every requirement's result for the product in `input` (the results do not depend on the
# role).
decided := object.union(vendor_decided, product_decided)

all_outside := {id: outside | some id, _ in requirements}

# Every requirement's result when the requirements in `ids` apply, from `decided` results.
results_in(decided_results, ids) := object.union(all_outside, object.filter(decided_results, ids))

# Every requirement's result for the product in `input` when the requirements in `ids` apply.
results(ids) := results_in(decided, ids)

# Where requirements apply: netvet compiles each requirement's scope (domains, functions,
# criticality) into the roles it covers when it loads the catalogue, and groups roles by the
# set of requirements that apply in them (a "signature"). Roles with the same signature get the
# same results and verdict.
signatures := data.netvet.catalogue.signatures

role_signature := data.netvet.catalogue.role_signature

verdict := data.netvet.verdict.verdict(object.union(all_outside, input.decided))

# For tests: the status of a requirement in a role given as `domain:function`, used under no
# licence, and used under every licence the catalogue declares.
status(id, key) := results(signatures[role_signature[key]])[id].status

status_licensed(id, key) := results(signatures[data.netvet.catalogue.role_signature_licensed[key]])[id].status
