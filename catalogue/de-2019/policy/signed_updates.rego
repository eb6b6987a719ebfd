# DE.KAT.SIGNED_UPDATES: updates signed and verified (declared by the vendor, and no scan
# finding of an unsigned update path).
package netvet.requirements.de_kat_signed_updates

fail contains data.netvet.lib.reason(sprintf("integrity weakness: %s (%s)", [f.finding.title, f.finding.path]), [f.ref]) if {
	some f in data.netvet.lib.findings_of("integrity")
}

fail contains data.netvet.lib.reason(sprintf("the vendor declares that updates of %s are not signed", [fw.image]), [data.netvet.lib.product_ref]) if {
	some fw in input.product.firmware
	fw.signed_updates == false
}

declared if {
	count(input.product.firmware) > 0
	every fw in input.product.firmware {
		fw.signed_updates == true
	}
}

unknown contains data.netvet.lib.reason("the product record does not declare signed updates for its firmware", [data.netvet.lib.product_ref]) if {
	not declared
}

unknown contains data.netvet.lib.no_scan("the update path was not checked") if {
	not data.netvet.lib.has_scan
}

pass contains data.netvet.lib.reason("the vendor declares signed updates and the scan found no integrity weakness", array.concat([data.netvet.lib.product_ref], data.netvet.lib.scan_refs)) if {
	declared
	data.netvet.lib.has_scan
}
