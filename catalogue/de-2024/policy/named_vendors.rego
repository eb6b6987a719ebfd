# DE.2024.CORE and DE.2024.MGMT: the vendors named in the agreements of 2024-07-11.
package netvet.helpers.de2024

# The dossier facts recording the agreement for the product's vendor.
agreement_refs := [f.ref | some f in data.netvet.lib.facts("national-restriction"); object.get(f, "list", "") == "de-2024-agreement"]

refs := agreement_refs if {
	count(agreement_refs) > 0
} else := [data.netvet.lib.vendor_ref]

named(id) if input.product.vendor in data.netvet.lib.param(id, "vendors")

fail(id, what) := {data.netvet.lib.reason(sprintf("%s is named in the agreements of 2024-07-11: %s", [data.netvet.lib.vendor_name, what]), refs) | named(id)}

# The requirement names its vendors: for any other it does not apply.
not_applicable(id) := {data.netvet.lib.reason(sprintf("%s is not among the vendors named (%s)", [data.netvet.lib.vendor_name, concat(", ", data.netvet.lib.param(id, "vendors"))]), [data.netvet.lib.vendor_ref]) | not named(id)}
