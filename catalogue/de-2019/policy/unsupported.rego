# DE.KAT.UNSUPPORTED: no end-of-life components.
package netvet.requirements.de_kat_unsupported

eos(c) := sprintf(" (end of support %s)", [c.end_of_support]) if c.end_of_support

eos(c) := "" if not c.end_of_support

fail contains data.netvet.lib.reason(sprintf("unsupported component %s %s%s", [u.component.name, object.get(u.component, "version", "?"), eos(u.component)]), [u.ref]) if {
	some u in data.netvet.lib.unsupported_components
}

unknown contains data.netvet.lib.no_scan("its components are not known") if {
	not data.netvet.lib.has_scan
}

pass contains data.netvet.lib.reason(sprintf("no unsupported component among %d found", [count([c | some s in data.netvet.lib.scans; some c in s.components])]), data.netvet.lib.scan_refs) if {
	data.netvet.lib.has_scan
}
