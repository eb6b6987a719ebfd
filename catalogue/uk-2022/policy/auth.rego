# UK.TSR.*: technical security duties, checked on scan evidence with netvet's shared checks.
package netvet.requirements.uk_tsr_auth

fail := data.netvet.lib.unauthenticated_access

unknown contains data.netvet.lib.no_scan("unauthenticated access cannot be ruled out") if {
	not data.netvet.lib.has_scan
}

pass contains data.netvet.lib.reason("the scan found no unauthenticated shell and no back door", data.netvet.lib.scan_refs) if {
	data.netvet.lib.has_scan
}
