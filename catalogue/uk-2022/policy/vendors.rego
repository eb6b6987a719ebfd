# Which vendors the UK rules name, and the reasons that say so.
package netvet.helpers.uk

# The dossier's UK restriction facts, as evidence.
uk_refs := [f.ref | some f in data.netvet.lib.facts("national-restriction"); f.country == "GB"]

refs := uk_refs if {
	count(uk_refs) > 0
} else := [data.netvet.lib.vendor_ref]

listed(id, list_param) if input.product.vendor in data.netvet.lib.param(id, list_param)

# Fail when the product's vendor is on the list; for any other vendor the requirement does not
# apply.
fail(id, list_param, what) := {data.netvet.lib.reason(sprintf("%s %s", [data.netvet.lib.vendor_name, what]), refs) | listed(id, list_param)}

not_applicable(id, list_param, kind) := {data.netvet.lib.reason(sprintf("%s is not a %s (%s)", [data.netvet.lib.vendor_name, kind, concat(", ", data.netvet.lib.param(id, list_param))]), [data.netvet.lib.vendor_ref]) |
	not listed(id, list_param)
}
