# DE.BSIG.9b.2: the §9b(2) criteria, read from the vendor's dossier.
package netvet.requirements.de_bsig_9b_2

id := "DE.BSIG.9b.2"

allied := data.netvet.lib.param(id, "allied")

accepted_status := data.netvet.lib.accepted_status(id)

min_share := data.netvet.lib.param(id, "control_min_share_percent")

security_grounds := data.netvet.lib.param(id, "security_grounds")

# Criterion 1: control by the state of a third country (state shares of the vendor itself, not
# of a subsidiary, at or above the control share or of unknown size; other state links).
candidates(1) := array.concat(
	[f |
		some f in data.netvet.lib.facts("ownership")
		f.state == true
		not startswith(object.get(f, "scope", ""), "subsidiary")
		not f.country in allied
		object.get(f, "share_percent", 100) >= min_share
	],
	[f | some f in data.netvet.lib.facts("state-link"); f.state == true; not f.country in allied],
)

# Criterion 2: listed on security or military grounds by an EU, EFTA or NATO state.
candidates(2) := [f |
	some f in data.netvet.lib.facts("listing")
	f.grounds in security_grounds
	f.country in allied
]

# Criterion 3: EU, EFTA or NATO governments call the vendor a security risk or restrict it.
candidates(3) := array.concat(
	[f |
		some f in data.netvet.lib.facts("declaration")
		f.by == "government"
		f.subject in {"materially-higher-risk", "national-security-risk"}
		f.country in allied
	],
	[f | some f in data.netvet.lib.facts("national-restriction"); f.country in allied],
)

label := {
	1: "§9b(2) no. 1, control by a third-country state",
	2: "§9b(2) no. 2, listed on security grounds by an EU/EFTA/NATO state",
	3: "§9b(2) no. 3, security risk in the view of EU/EFTA/NATO governments",
}

found := {n: {"met": [f | some f in c; f.status in accepted_status], "weak": [f | some f in c; not f.status in accepted_status; f.status != "UNVERIFIED"]} |
	some n in [1, 2, 3]
	c := candidates(n)
}

fact_text(f) := sprintf("%s %s (%s)", [f.id, f.summary, f.date])

fail contains data.netvet.lib.reason(
	sprintf("%s: %s", [label[n], concat("; ", [fact_text(f) | some f in facts])]),
	[f.ref | some f in facts],
) if {
	some n, x in found
	facts := x.met
	count(facts) > 0
}

unknown contains data.netvet.lib.reason(
	sprintf("%s rests only on facts with status %s, which this catalogue does not accept: %s", [label[n], concat("/", {f.status | some f in facts}), concat("; ", [fact_text(f) | some f in facts])]),
	[f.ref | some f in facts],
) if {
	some n, x in found
	count(x.met) == 0
	facts := x.weak
	count(facts) > 0
}

unknown contains data.netvet.lib.reason(sprintf("no dossier for vendor %s", [input.product.vendor]), [data.netvet.lib.vendor_ref]) if {
	not data.netvet.lib.has_dossier
}

pass contains data.netvet.lib.reason(
	sprintf("no %s fact of %s's dossier (%d facts) meets a §9b(2) criterion; absences of listings are not verified", [concat("/", accepted_status), input.vendor.name, count(input.vendor.facts)]),
	[sprintf("dossier:%s", [input.vendor.id])],
) if {
	data.netvet.lib.has_dossier
}
