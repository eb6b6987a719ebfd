# DE.KAT.TRUST: the manufacturer's trustworthiness declaration (2019 draft) is on record.
package netvet.requirements.de_kat_trust

id := "DE.KAT.TRUST"

accepted_status := data.netvet.lib.accepted_status(id)

declarations := [f |
	some f in data.netvet.lib.facts("declaration")
	f.by == "vendor"
	f.subject == "trustworthiness"
	f.status in accepted_status
]

pass contains data.netvet.lib.reason(
	sprintf("%s has declared its trustworthiness, supply chain included: %s", [input.vendor.name, concat("; ", [sprintf("%s %s (%s)", [f.id, f.summary, f.date]) | some f in declarations])]),
	[f.ref | some f in declarations],
) if {
	count(declarations) > 0
}

unknown contains data.netvet.lib.reason(
	sprintf("supply %s's trustworthiness declaration covering its supply chain (the 2019 draft's condition); none with status %s is recorded", [data.netvet.lib.vendor_name, concat("/", accepted_status)]),
	[data.netvet.lib.vendor_ref],
) if {
	count(declarations) == 0
}
