# DE.KAT.AUTH: no function without authentication; no unauthenticated shell or back door.
package netvet.requirements.de_kat_auth

fail := data.netvet.lib.unauthenticated_access

unknown contains data.netvet.lib.no_scan("unauthenticated access cannot be ruled out") if {
	not data.netvet.lib.has_scan
}

pass contains data.netvet.lib.reason("the scan found no unauthenticated shell and no back door", data.netvet.lib.scan_refs) if {
	data.netvet.lib.has_scan
}
