# DE.KAT.CERT: critical components certified under an accepted scheme.
package netvet.requirements.de_kat_cert

id := "DE.KAT.CERT"

schemes := data.netvet.lib.param(id, "schemes")

accepted contains c if {
	some c in input.product.certifications
	c.scheme in schemes
	data.netvet.lib.release_matches(c)
}

valid contains c if {
	some c in accepted
	data.netvet.lib.not_expired(c)
}

until(c) := sprintf(", valid until %s", [c.expiry]) if c.expiry

until(c) := "" if not c.expiry

pass contains data.netvet.lib.reason(
	sprintf("certified under %s by %s (release %s, issued %s%s)", [c.scheme, c.lab, c.release, c.date, until(c)]),
	[c.ref],
) if {
	some c in valid
}

fail contains data.netvet.lib.reason(sprintf("the %s certificate by %s expired on %s", [c.scheme, c.lab, c.expiry]), [c.ref]) if {
	count(valid) == 0
	some c in accepted
	not data.netvet.lib.not_expired(c)
}

release := "this product line" if {
	input.product.version == "*"
} else := sprintf("release %s", [input.product.version])

unknown contains data.netvet.lib.reason(
	sprintf("no certificate under an accepted scheme (%s) is recorded for %s", [concat(", ", schemes), release]),
	[data.netvet.lib.product_ref],
) if {
	count(accepted) == 0
}
