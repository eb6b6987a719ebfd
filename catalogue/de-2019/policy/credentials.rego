# DE.KAT.CREDENTIALS: no hard-coded or default credentials.
package netvet.requirements.de_kat_credentials

fail := data.netvet.lib.credentials(data.netvet.lib.param("DE.KAT.CREDENTIALS", "min_severity"))

unknown contains data.netvet.lib.no_scan("hard-coded credentials cannot be ruled out") if {
	not data.netvet.lib.has_scan
}

pass contains data.netvet.lib.reason(
	sprintf("%d scan(s) found no hard-coded or default credential", [count(data.netvet.lib.scans)]),
	data.netvet.lib.scan_refs,
) if {
	data.netvet.lib.has_scan
}
