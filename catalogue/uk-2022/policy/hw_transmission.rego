# UK.HW.TRANSMISSION: the designated vendor out of high-data-rate intra-core and inter-operator
# transmission.
package netvet.requirements.uk_hw_transmission

fail := data.netvet.helpers.uk.fail("UK.HW.TRANSMISSION", "designated_vendors", "is the designated vendor: its transport equipment may not carry high-data-rate intra-core or inter-operator traffic after 2025-12-31 (as proposed; the final direction's control is not verified); what the equipment carries is not in the evidence")

not_applicable := data.netvet.helpers.uk.not_applicable("UK.HW.TRANSMISSION", "designated_vendors", "designated vendor")
