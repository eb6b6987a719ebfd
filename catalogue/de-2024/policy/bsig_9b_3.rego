# DE.BSIG.9b.3: the manufacturer's guarantee declaration is on record. §9b(3) asks for the
# declaration and nothing more; whether the manufacturer is trustworthy is the ministry's
# finding under §9b(4) and (5). Home-law duties to assist the state are named as risk indicators
# for that finding, never as a ground to fail.
package netvet.requirements.de_bsig_9b_3

id := "DE.BSIG.9b.3"

accepted_status := data.netvet.lib.accepted_status(id)

declarations := [f |
	some f in data.netvet.lib.facts("declaration")
	f.by == "vendor"
	f.subject == "guarantee-9b"
	f.status in accepted_status
]

# Home-law duties to assist state intelligence or security work that bind every organisation,
# the manufacturer included.
indicators := [f |
	some f in data.netvet.lib.jurisdiction_facts("law")
	f.compels_assistance == true
	object.get(f, "binds", "") == "all-organisations"
	f.status in {"SOURCED", "SOURCED-2"}
]

text(f) := sprintf("%s %s (%s)", [f.id, f.summary, f.date])

risk := sprintf(". Risk indicators for a ministry finding under §9b(4) and (5), not grounds under §9b(3): %s obliges every organisation to assist state intelligence or security work (%s)", [input.jurisdiction.name, concat(", ", [sprintf("%s, %s", [f.id, f.status]) | some f in indicators])]) if {
	count(indicators) > 0
} else := ""

pass contains data.netvet.lib.reason(
	sprintf("%s has filed the guarantee declaration: %s%s", [input.vendor.name, concat("; ", [text(f) | some f in declarations]), risk]),
	array.concat([f.ref | some f in declarations], [f.ref | some f in indicators]),
) if {
	count(declarations) > 0
}

unknown contains data.netvet.lib.reason(
	sprintf("supply the guarantee declaration of %s under §9b(3) (minimum content: BMI general order of 2021-10-07); none with status %s is recorded%s", [data.netvet.lib.vendor_name, concat("/", accepted_status), risk]),
	array.concat([data.netvet.lib.vendor_ref], [f.ref | some f in indicators]),
) if {
	count(declarations) == 0
}
