# DE.KAT.KEV: no known exploited vulnerabilities.
package netvet.requirements.de_kat_kev

fail := data.netvet.lib.exploited

min_advisories := data.netvet.lib.param("DE.KAT.KEV", "min_advisories")

# A clean match counts only against full feeds with KEV.
unknown contains r if {
	some r in data.netvet.lib.thin_coverage(min_advisories)
}

unknown contains data.netvet.lib.no_scan("its vulnerabilities are not known") if {
	not data.netvet.lib.has_scan
}

pass contains data.netvet.lib.reason(
	sprintf("none of %d matched vulnerabilities is known to be exploited", [count([v | some s in input.scans; some v in s.vulnerabilities])]),
	data.netvet.lib.scan_refs,
) if {
	data.netvet.lib.has_scan
}
