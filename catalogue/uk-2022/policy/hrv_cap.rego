# UK.HRV.CAP: a high-risk vendor's share of each operator's access network stays within 35 %.
package netvet.requirements.uk_hrv_cap

id := "UK.HRV.CAP"

cap := data.netvet.lib.param(id, "cap_percent")

high_risk if input.product.vendor in data.netvet.lib.param(id, "high_risk_vendors")

ran_shares := {op: s |
	some op, o in input.network.operators
	s := o.domains.RAN
}

over := [sprintf("%s: %d of %d RAN elements (%v %%)", [op, s.elements, s.total, s.share_percent]) |
	some op, s in ran_shares
	s.share_percent > cap
]

fail contains data.netvet.lib.reason(
	sprintf("%s exceeds the %v %% cap of the access network at: %s", [data.netvet.lib.vendor_name, cap, concat("; ", over)]),
	[data.netvet.lib.inventory_ref],
) if {
	high_risk
	count(over) > 0
}

unknown contains data.netvet.lib.reason(
	sprintf("%s is a high-risk vendor and no operator inventory was given: its share of each access network must stay within %v %%", [data.netvet.lib.vendor_name, cap]),
	[data.netvet.lib.inventory_ref],
) if {
	high_risk
	not input.network
}

pass contains data.netvet.lib.reason(
	sprintf("%s stays within the %v %% cap at every operator in the inventory", [data.netvet.lib.vendor_name, cap]),
	[data.netvet.lib.inventory_ref],
) if {
	high_risk
	input.network
	count(over) == 0
}

not_applicable := data.netvet.helpers.uk.not_applicable(id, "high_risk_vendors", "high-risk vendor")
