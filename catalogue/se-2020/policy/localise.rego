# SE.PTS.LOCALISE: a condition on the licensee for every central function used under the
# licence. netvet has no evidence of where an operator's staff and functions are, so the
# condition is always reported (an advisory: the licensee's duty, not the product's); the
# vendor's home jurisdiction is named when it is not Sweden.
package netvet.requirements.se_pts_localise

import data.netvet.lib

home := input.jurisdiction.code if {
	input.jurisdiction.code
} else := ""

home_name := input.jurisdiction.name if {
	input.jurisdiction.name
} else := home

abroad := sprintf(" %s is based in %s: its remote support or management of the function is such a dependency.", [lib.vendor_name, home_name]) if {
	home != ""
	home != "SE"
} else := ""

fail contains lib.reason(sprintf("the licensee must end any dependency of this central function on staff or functions located abroad by 2025-01-01, replacing them with staff or functions in Sweden where needed.%s", [abroad]), [lib.vendor_ref])
