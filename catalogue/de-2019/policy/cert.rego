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

# Comparison evidence this rule accepts to carry a certificate of a predecessor (or of another
# build of this release) forward to a shipped image: `equivalence` (verdict `equivalent`) and
# `diff` (files compared, and every count of `carry_forward_diff` at or below its limit).
# Empty unless a catalogue sets it.
params := object.get(data.netvet.catalogue.requirements[id], "params", {})

carry_forward := object.get(params, "carry_forward", [])

diff_limits := object.get(params, "carry_forward_diff", {})

within_policy(c) if {
	c.by == "equivalence"
	c.verdict == "equivalent"
}

within_policy(c) if {
	c.by == "diff"
	c.summary.files_compared
	count(diff_limits) > 0
	every k, limit in diff_limits {
		object.get(c.summary, k, 0) <= limit
	}
}

carried contains c if {
	count(valid) == 0
	some c in input.product.carried_certifications
	c.scheme in schemes
	c.by in carry_forward
	within_policy(c)
	data.netvet.lib.not_expired(c)
}

pass contains data.netvet.lib.reason(
	sprintf("certified under %s by %s for %s release %s, carried forward to this build by %s (%s)", [c.scheme, c.lab, c.from_product, c.from_release, c.by, c.proof]),
	[c.ref, c.proof],
) if {
	some c in carried
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
	count(carried) == 0
}
