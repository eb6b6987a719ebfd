# DE.KAT.SUPPLYCHAIN: the digests of the shipped images are among those of the tested build.
package netvet.requirements.de_kat_supplychain

certs := [c |
	some c in input.product.certifications
	count(object.get(c, "firmware_sha256", [])) > 0
	data.netvet.lib.release_matches(c)
]

tested(sha) if {
	some c in certs
	sha in c.firmware_sha256
}

fail contains data.netvet.lib.reason(
	sprintf("shipped image %s (sha256 %s) is not a build the certificates list as tested", [fw.image, fw.sha256]),
	array.concat([data.netvet.lib.product_ref], [c.ref | some c in certs]),
) if {
	count(certs) > 0
	some fw in input.product.firmware
	not tested(fw.sha256)
}

unknown contains data.netvet.lib.reason("the product record lists no firmware digests", [data.netvet.lib.product_ref]) if {
	count(input.product.firmware) == 0
}

unknown contains data.netvet.lib.reason("no certificate of this release records the digests of the tested build", [data.netvet.lib.product_ref]) if {
	count(certs) == 0
}

pass contains data.netvet.lib.reason(
	sprintf("every shipped image (%s) is a tested build", [concat(", ", [fw.image | some fw in input.product.firmware])]),
	array.concat([data.netvet.lib.product_ref], [c.ref | some c in certs]),
) if {
	count(certs) > 0
	count(input.product.firmware) > 0
	every fw in input.product.firmware {
		tested(fw.sha256)
	}
}
