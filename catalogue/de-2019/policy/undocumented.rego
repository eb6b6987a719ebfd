# DE.KAT.UNDOCUMENTED: every service the firmware starts is documented.
package netvet.requirements.de_kat_undocumented

fail contains data.netvet.lib.reason(
	sprintf("undocumented service %s (ports %s, started by %s, authentication %s)", [s.service.name, data.netvet.lib.service_ports(s.service), s.service.started_by, s.service.authentication]),
	[s.ref],
) if {
	some s in data.netvet.lib.undocumented_services
}

fail contains data.netvet.lib.reason(sprintf("hidden function: %s (%s)", [f.finding.title, f.finding.path]), [f.ref]) if {
	some f in data.netvet.lib.findings_of("backdoor")
}

unknown contains data.netvet.lib.no_scan("undocumented services cannot be ruled out") if {
	not data.netvet.lib.has_scan
}

pass contains data.netvet.lib.reason(sprintf("all %d service(s) the scan found are documented in the product record", [count(data.netvet.lib.scanned_services)]), data.netvet.lib.scan_refs) if {
	data.netvet.lib.has_scan
}
