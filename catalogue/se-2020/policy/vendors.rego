# Which vendors the Swedish licence conditions name, and the reasons that say so.
package netvet.helpers.se

# The dossier's Swedish restriction facts, as evidence.
se_refs := [f.ref | some f in data.netvet.lib.facts("national-restriction"); f.country == "SE"]

refs := se_refs if {
	count(se_refs) > 0
} else := [data.netvet.lib.vendor_ref]

excluded(id) if input.product.vendor in data.netvet.lib.param(id, "excluded_vendors")

# Fail when the product's vendor is one the conditions name.
fail(id, what) := {data.netvet.lib.reason(sprintf("%s %s", [data.netvet.lib.vendor_name, what]), refs) | excluded(id)}

# Any other vendor: the condition does not concern its products.
not_applicable(id) := {data.netvet.lib.reason(sprintf("%s is not a vendor the licence conditions exclude (%s)", [data.netvet.lib.vendor_name, concat(", ", data.netvet.lib.param(id, "excluded_vendors"))]), [data.netvet.lib.vendor_ref]) |
	not excluded(id)
}
