# DE.KAT.DIVERSITY: no operator depends on this vendor alone for a network function.
package netvet.requirements.de_kat_diversity

min_elements := data.netvet.lib.param("DE.KAT.DIVERSITY", "min_elements")

monocultures := [sprintf("%s: all %d %s elements", [op, s.total, f]) |
	some op, o in input.network.operators
	some f, s in object.get(o, "functions", {})
	s.elements == s.total
	s.total >= min_elements
]

fail contains data.netvet.lib.reason(
	sprintf("%s supplies every element of a function (monoculture): %s", [input.vendor.name, concat("; ", monocultures)]),
	[data.netvet.lib.inventory_ref],
) if {
	count(monocultures) > 0
}

unknown contains data.netvet.lib.reason("no operator inventory given: the vendor's shares are unknown", [data.netvet.lib.inventory_ref]) if {
	not input.network
}

pass contains data.netvet.lib.reason(
	sprintf("no operator in the inventory takes every element of a function from %s", [input.vendor.name]),
	[data.netvet.lib.inventory_ref],
) if {
	input.network
	count(monocultures) == 0
}
