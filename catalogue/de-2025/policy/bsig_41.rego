# DE.BSIG.41: a prohibition or order of the ministry under §41 BSIG is on record for the vendor.
package netvet.requirements.de_bsig_41

id := "DE.BSIG.41"

accepted_status := data.netvet.lib.accepted_status(id)

order_list := data.netvet.lib.param(id, "order_list")

orders := [f |
	some f in data.netvet.lib.facts("national-restriction")
	object.get(f, "list", "") == order_list
	f.status in accepted_status
]

weak_orders := [f |
	some f in data.netvet.lib.facts("national-restriction")
	object.get(f, "list", "") == order_list
	not f.status in accepted_status
	f.status != "UNVERIFIED"
]

text(f) := sprintf("%s %s (%s)", [f.id, f.summary, f.date])

fail contains data.netvet.lib.reason(
	sprintf("the Federal Ministry of the Interior has decided under §41 BSIG on %s's critical components: %s", [input.vendor.name, concat("; ", [text(f) | some f in orders])]),
	[f.ref | some f in orders],
) if {
	count(orders) > 0
}

unknown contains data.netvet.lib.reason(
	sprintf("an order under §41 BSIG on %s rests only on facts with status %s: %s", [input.vendor.name, concat("/", {f.status | some f in weak_orders}), concat("; ", [text(f) | some f in weak_orders])]),
	[f.ref | some f in weak_orders],
) if {
	count(orders) == 0
	count(weak_orders) > 0
}

unknown contains data.netvet.lib.reason(sprintf("no dossier for vendor %s: whether an order under §41 BSIG exists is unknown", [input.product.vendor]), [data.netvet.lib.vendor_ref]) if {
	not data.netvet.lib.has_dossier
}

pass contains data.netvet.lib.reason(
	sprintf("no order under §41 BSIG on %s's critical components is recorded in its dossier (%d facts)", [input.vendor.name, count(input.vendor.facts)]),
	[sprintf("dossier:%s", [input.vendor.id])],
) if {
	data.netvet.lib.has_dossier
	count(orders) == 0
	count(weak_orders) == 0
}
