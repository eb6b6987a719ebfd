# DE.KAT.SIGNED_UPDATES: updates signed and verified (declared by the vendor, and no scan
# finding of an unsigned update path). Only the update-path checks listed here bear on it:
# other integrity findings (an SBOM that disagrees with the image) are about transparency, not
# about how updates are installed.
package netvet.requirements.de_kat_signed_updates

fail contains data.netvet.lib.reason(sprintf("unsigned update path: %s (%s)", [f.finding.title, f.finding.path]), [f.ref]) if {
	some f in data.netvet.lib.findings_of("integrity")
	f.finding.check in update_path_checks
}

update_path_checks := {"nv-update-unverified-flash"}

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

pass contains data.netvet.lib.reason("the vendor declares signed updates and the scan found no unsigned update path", array.concat([data.netvet.lib.product_ref], data.netvet.lib.scan_refs)) if {
	declared
	data.netvet.lib.has_scan
}
