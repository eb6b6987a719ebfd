# UK.TSR.KEV: no known exploited vulnerabilities.
package netvet.requirements.uk_tsr_kev

fail := data.netvet.lib.exploited

min_advisories := data.netvet.lib.param("UK.TSR.KEV", "min_advisories")

# A clean match counts only against full feeds with KEV.
unknown contains r if {
	some r in data.netvet.lib.thin_coverage(min_advisories)
}

unknown contains data.netvet.lib.no_scan("its vulnerabilities are not known") if {
	not data.netvet.lib.has_scan
}

pass contains data.netvet.lib.reason("no matched vulnerability is known to be exploited", data.netvet.lib.scan_refs) if {
	data.netvet.lib.has_scan
}
