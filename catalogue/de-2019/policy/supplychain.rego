# DE.KAT.SUPPLYCHAIN: the digests of the shipped images are among those of the tested build,
# or comparison evidence the rule accepts (`carry_forward`: an equivalence check whose verdict
# is `equivalent`) proves a shipped image to be a tested build.
package netvet.requirements.de_kat_supplychain

id := "DE.KAT.SUPPLYCHAIN"

certs := [c |
	some c in input.product.certifications
	count(object.get(c, "firmware_sha256", [])) > 0
	data.netvet.lib.release_matches(c)
]

carry_forward := object.get(data.netvet.catalogue.requirements[id].params, "carry_forward", [])

# Certificates of this release or a predecessor, linked to a shipped image by a comparison the
# rule accepts.
proven := [c |
	some c in input.product.carried_certifications
	c.by in carry_forward
	c.by == "equivalence"
	c.verdict == "equivalent"
]

tested(sha) if {
	some c in certs
	sha in c.firmware_sha256
}

proof(sha) := c if {
	not tested(sha)
	some c in proven
	c.to_sha256 == sha
}

how(fw) := "a tested build" if tested(fw.sha256)

how(fw) := sprintf("proved equivalent to the build tested for %s release %s (%s)", [c.from_product, c.from_release, c.proof]) if {
	c := proof(fw.sha256)
}

refs := array.concat(
	array.concat([data.netvet.lib.product_ref], [c.ref | some c in certs]),
	[c.proof | some c in proven],
)

fail contains data.netvet.lib.reason(
	sprintf("shipped image %s (sha256 %s) is not a build the certificates list as tested", [fw.image, fw.sha256]),
	refs,
) if {
	count(certs) + count(proven) > 0
	some fw in input.product.firmware
	not how(fw)
}

unknown contains data.netvet.lib.reason("the product record lists no firmware digests", [data.netvet.lib.product_ref]) if {
	count(input.product.firmware) == 0
}

unknown contains data.netvet.lib.reason("no certificate of this release records the digests of the tested build", [data.netvet.lib.product_ref]) if {
	count(certs) + count(proven) == 0
}

pass contains data.netvet.lib.reason(
	sprintf("every shipped image (%s) is a tested build", [concat(", ", [fw.image | some fw in input.product.firmware])]),
	refs,
) if {
	count(certs) > 0
	count(input.product.firmware) > 0
	every fw in input.product.firmware {
		tested(fw.sha256)
	}
}

pass contains data.netvet.lib.reason(
	sprintf("every shipped image is a tested build: %s", [concat("; ", [sprintf("%s: %s", [fw.image, how(fw)]) | some fw in input.product.firmware])]),
	refs,
) if {
	count(proven) > 0
	count(input.product.firmware) > 0
	every fw in input.product.firmware {
		how(fw)
	}
	some shipped in input.product.firmware
	proof(shipped.sha256)
}
