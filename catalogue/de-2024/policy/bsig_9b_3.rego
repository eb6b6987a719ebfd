# DE.BSIG.9b.3: a guarantee declaration, weighed against the home jurisdiction's law.
package netvet.requirements.de_bsig_9b_3

id := "DE.BSIG.9b.3"

accepted_status := data.netvet.lib.accepted_status(id)

declarations := [f |
	some f in data.netvet.lib.facts("declaration")
	f.by == "vendor"
	f.subject == "guarantee-9b"
	f.status in accepted_status
]

# Other statements of the vendor about state requests, cited with the declaration.
statements := [f |
	some f in data.netvet.lib.facts("declaration")
	f.by == "vendor"
	f.subject == "government-requests"
	f.status in accepted_status
]

obliging(statuses) := [f |
	some f in data.netvet.lib.jurisdiction_facts("law")
	f.compels_assistance == true
	f.status in statuses
]

obligations := obliging(accepted_status)

weak_obligations := [f | some f in obliging({"SOURCED-2"}); not f.status in accepted_status]

text(f) := sprintf("%s %s (%s)", [f.id, f.summary, f.date])

said := concat("; ", [text(f) | some f in array.concat(declarations, statements)])

fail contains data.netvet.lib.reason(
	sprintf("%s declares: %s. But %s obliges companies to assist state intelligence or security work: %s. A declaration does not cancel a statutory obligation, so it cannot ensure the absence of abusive influence (§9b(3); §9b(5) no. 2)", [input.vendor.name, said, input.jurisdiction.name, concat("; ", [text(f) | some f in obligations])]),
	[f.ref | some f in array.concat(array.concat(declarations, statements), obligations)],
) if {
	count(declarations) > 0
	count(obligations) > 0
}

unknown contains data.netvet.lib.reason(
	sprintf("%s declares: %s. Whether %s obliges it to assist state intelligence rests only on facts this catalogue does not accept: %s", [input.vendor.name, said, input.jurisdiction.name, concat("; ", [text(f) | some f in weak_obligations])]),
	[f.ref | some f in array.concat(declarations, weak_obligations)],
) if {
	count(declarations) > 0
	count(obligations) == 0
	count(weak_obligations) > 0
}

unknown contains data.netvet.lib.reason(
	sprintf("no guarantee declaration of %s under §9b(3) is recorded%s", [data.netvet.lib.vendor_name, caveat]),
	array.concat([sprintf("dossier:%s", [input.product.vendor])], [f.ref | some f in obligations]),
) if {
	count(declarations) == 0
}

caveat := sprintf("; %s obliges companies to assist state intelligence or security work (%s), which a declaration would not cancel", [input.jurisdiction.name, concat(", ", [f.id | some f in obligations])]) if {
	count(obligations) > 0
} else := ""

pass contains data.netvet.lib.reason(
	sprintf("%s declares: %s; no law of %s obliging companies to assist state intelligence is recorded", [input.vendor.name, said, input.jurisdiction.name]),
	array.concat([f.ref | some f in declarations], [sprintf("jurisdiction:%s", [input.jurisdiction.code])]),
) if {
	count(declarations) > 0
	count(obliging({"SOURCED", "SOURCED-2"})) == 0
}
