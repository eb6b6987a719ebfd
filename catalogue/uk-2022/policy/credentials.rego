# UK.TSR.CREDENTIALS: no hard-coded or default credentials.
package netvet.requirements.uk_tsr_credentials

fail := data.netvet.lib.credentials(data.netvet.lib.param("UK.TSR.CREDENTIALS", "min_severity"))

unknown contains data.netvet.lib.no_scan("hard-coded credentials cannot be ruled out") if {
	not data.netvet.lib.has_scan
}

pass contains data.netvet.lib.reason("the scan found no hard-coded or default credential", data.netvet.lib.scan_refs) if {
	data.netvet.lib.has_scan
}
